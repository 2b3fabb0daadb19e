// Wall-clock instants with sub-millisecond resolution, comparable across
// processes and with `ip -ts` (which prints gettimeofday in µs).
// performance.timeOrigin + performance.now() is not: measured here, it ran
// 1.4 to 1.9 ms ahead of Date.now() in fresh processes, as much as the
// hops being timed. Date.now() is the wall clock cut to whole ms, so the
// moment it ticks is a whole ms exactly: read against the monotonic clock
// then, it gives the offset between the two.

export interface ClockSources {
  /** Wall-clock ms, whole (Date.now). */
  readonly wallMs: () => number;
  /** Monotonic ns (process.hrtime.bigint). */
  readonly monotonicNs: () => bigint;
}

const SYSTEM: ClockSources = { wallMs: () => Date.now(), monotonicNs: () => process.hrtime.bigint() };

/** A clock giving wall-clock ms with the monotonic clock's resolution; spins for up to 1 ms to find a tick. */
export function calibratedClock(sources: ClockSources = SYSTEM): () => number {
  const first = sources.wallMs();
  let mono: bigint;
  let wall: number;
  // Bounded: a wall clock that never ticks is taken as it is.
  let spins = 0;
  do {
    mono = sources.monotonicNs();
    wall = sources.wallMs();
  } while (wall === first && ++spins < 10_000_000);
  const offset = wall - Number(mono) / 1e6;
  return () => Number(sources.monotonicNs()) / 1e6 + offset;
}

let system: (() => number) | undefined;

/** This process's calibrated clock, made on first use. */
export const wallClock = (): number => (system ??= calibratedClock())();
