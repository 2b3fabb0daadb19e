// The service-manager port over systemd's notify socket. The native addon
// sends the datagram from the agent's own pid; without the addon,
// systemd-notify sends it, a child process, which the unit allows with
// NotifyAccess=all. Either way NOTIFY_SOCKET leaves the environment first:
// the daemons the agent starts would inherit it, and gdnsd and HAProxy
// speak the protocol too (one of them could tell systemd it is the main
// process, MAINPID=, with NotifyAccess=all).
import { execFile } from 'node:child_process';
import type { ServiceManagerPort, ServiceMessage } from '../../ports/service-manager.js';
import { noServiceManager } from '../../ports/service-manager.js';
import { sdNotifySender } from '../ipvs/netlink-addon.js';
import { notifyAssignments, notifySocketOf } from './message.js';

export type NotifySender = { readonly send: (socket: string, text: string) => void } | { readonly why: string };

export interface SystemdNotifyOptions {
  /** Read for NOTIFY_SOCKET, which is then deleted from it: process.env in the agent. */
  readonly env: NodeJS.ProcessEnv;
  /** The addon's sender, or why there is none; the addon's by default. */
  readonly sender?: NotifySender;
  readonly pid?: number;
  readonly monotonicUsec?: () => bigint;
}

const SYSTEMD_NOTIFY_TIMEOUT_MS = 5000;

export function systemdServiceManager(opts: SystemdNotifyOptions): ServiceManagerPort {
  const socket = notifySocketOf(opts.env.NOTIFY_SOCKET);
  delete opts.env.NOTIFY_SOCKET;
  if (socket.kind === 'none') return { ...noServiceManager, how: 'no service manager listens (NOTIFY_SOCKET unset)' };
  if (socket.kind === 'invalid') return { ...noServiceManager, how: `${socket.reason}; not notifying` };
  const sender = opts.sender ?? sdNotifySender();
  const monotonicUsec = opts.monotonicUsec ?? ((): bigint => process.hrtime.bigint() / 1000n);
  const send = 'send' in sender
    ? (lines: readonly string[]): Promise<void> => sendThroughAddon(sender.send, socket.address, lines)
    : (lines: readonly string[]): Promise<void> => sendThroughSystemdNotify(socket.address, opts.pid ?? process.pid, lines, opts.env);
  // One at a time, in call order: RELOADING=1 must reach the manager before the READY=1 after it.
  let queue: Promise<void> = Promise.resolve();
  const through = 'send' in sender ? 'the native addon' : `systemd-notify (${sender.why})`;
  return {
    how: `notifying the service manager on ${socket.address} through ${through}`,
    notify: (m: ServiceMessage) => {
      const lines = notifyAssignments(m, monotonicUsec());
      const sent = queue.then(() => send(lines));
      queue = sent.catch(() => undefined);
      return sent;
    },
  };
}

function sendThroughAddon(send: (socket: string, text: string) => void, socket: string, lines: readonly string[]): Promise<void> {
  try {
    send(socket, lines.join('\n'));
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(new Error((err as Error).message, { cause: err }));
  }
}

/** --pid: the message names the agent, not the short-lived systemd-notify, as the main process. */
function sendThroughSystemdNotify(socket: string, pid: number, lines: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('systemd-notify', [`--pid=${pid}`, ...lines], { env: { ...env, NOTIFY_SOCKET: socket }, timeout: SYSTEMD_NOTIFY_TIMEOUT_MS, encoding: 'utf8' }, (err, _out, stderr) => {
      if (!err) resolve();
      else reject(new Error(`systemd-notify ${lines.join(' ')}: ${stderr.trim() || err.message}`, { cause: err }));
    });
  });
}
