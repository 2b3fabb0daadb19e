// What the agent tells the service manager that started it: ready, reloading,
// stopping, and a one-line state for `systemctl status`. The real one speaks
// systemd's notify protocol (agent/drivers/systemd); anywhere else, nothing.

/** One notification; the fields that are set go in one message. */
export interface ServiceMessage {
  readonly ready?: true;
  readonly reloading?: true;
  readonly stopping?: true;
  readonly status?: string;
}

export interface ServiceManagerPort {
  /** How notifications go, or why none do: logged when the agent has started. */
  readonly how: string;
  /** Rejects with the reason when the message could not be sent; the caller logs it and goes on. */
  notify(message: ServiceMessage): Promise<void>;
}

/** No service manager listens (run by hand, by the lab, by a test). */
export const noServiceManager: ServiceManagerPort = { how: 'no service manager', notify: () => Promise.resolve() };
