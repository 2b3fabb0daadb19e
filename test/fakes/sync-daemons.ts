// The kernel's IPVS sync daemons for applier tests: one master and one
// backup at most, refused as the kernel refuses (ip_vs_sync.c
// start_sync_thread / stop_sync_thread): EEXIST to start a daemon that runs,
// ESRCH to stop one that does not, ENODEV for a device the node lacks. The
// kernel reports the message size it chose when none was given.
import type { SyncDaemon, SyncDaemonPort, SyncState } from '../../tiers/l4/connection-sync.js';

export class FakeSyncDaemons implements SyncDaemonPort {
  running: SyncDaemon[] = [];
  readonly calls: string[] = [];
  devices = new Set(['eth0', 'eth1']);
  /** The next call of this kind fails with this message. */
  failNext: { readonly call: 'list' | 'start' | 'stop'; readonly error: string } | undefined;

  async list(): Promise<readonly SyncDaemon[]> {
    this.failIfAsked('list');
    this.calls.push('list');
    return structuredClone(this.running);
  }

  async start(d: SyncDaemon): Promise<void> {
    this.failIfAsked('start');
    this.calls.push(`start ${d.state}`);
    if (this.running.some((r) => r.state === d.state)) throw new Error(`start ${d.state} sync daemon on ${d.interface}: File exists (EEXIST)`);
    if (!this.devices.has(d.interface)) throw new Error(`start ${d.state} sync daemon on ${d.interface}: No such device (ENODEV)`);
    this.running.push({ ...d, maxlen: d.maxlen ?? 1472 });
  }

  async stop(state: SyncState): Promise<void> {
    this.failIfAsked('stop');
    this.calls.push(`stop ${state}`);
    if (!this.running.some((r) => r.state === state)) throw new Error(`stop ${state} sync daemon: No such process (ESRCH)`);
    this.running = this.running.filter((r) => r.state !== state);
  }

  private failIfAsked(call: 'list' | 'start' | 'stop'): void {
    if (this.failNext?.call !== call) return;
    const { error } = this.failNext;
    this.failNext = undefined;
    throw new Error(error);
  }
}
