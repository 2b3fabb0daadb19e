// Time is a port: unit tests pass a fake and never sleep.
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      // The listener goes when the timer fires: a loop that sleeps with one long-lived signal must not pile them up.
      const onAbort = (): void => { clearTimeout(t); resolve(); };
      const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
