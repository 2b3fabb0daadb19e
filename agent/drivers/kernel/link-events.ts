// The kernel says when a link or an address changes: one `ip monitor` for the
// agent's life turns "a VIP deleted from lo" or "a tunnel set down" into a
// drift check at once, where a read of the kernel on an interval would find
// it up to a minute later (that read is a process start; the monitor is one
// process, started once). Sysctls have no such event: they are read on the
// interval only.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../../observe/log.js';

/** Calls `onUndo` with what was undone for every event that can undo what an agent applied. */
export type KernelEventsPort = (onUndo: (what: string) => void) => { stop(): void };

/** A monitor that stopped by itself is started again this much later. */
const RESTART_MS = 5000;

const LINK = /^\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>/;
const ADDRESS = /^\d+: (\S+)\s+(inet6?) (\S+)/;

/**
 * What an `ip -o monitor link address` line undid, or undefined when it
 * cannot undo anything applied: an address or link deleted, a link without
 * UP. Additions and links going up are what the agent itself does.
 */
export function undoneBy(line: string): string | undefined {
  const deleted = line.startsWith('Deleted ');
  const rest = deleted ? line.slice('Deleted '.length) : line;
  const link = LINK.exec(rest);
  if (link) {
    const up = (link[2] ?? '').split(',').includes('UP');
    return deleted ? `link ${link[1]} deleted` : up ? undefined : `link ${link[1]} down`;
  }
  const address = ADDRESS.exec(rest);
  if (address && deleted) return `address ${address[3]} deleted from ${address[1]}`;
  return undefined;
}

/** `ip -o monitor link address` in the agent's network namespace, started again if it ends. */
export function ipMonitorEvents(log: Logger): KernelEventsPort {
  return (onUndo) => {
    let child: ChildProcess | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const start = (): void => {
      // It dies with the agent: a crashed agent under systemd's KillMode=process would otherwise leave one behind per restart.
      const monitor = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'ip', '-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child = monitor;
      createInterface({ input: monitor.stdout }).on('line', (line) => {
        const what = undoneBy(line);
        if (what !== undefined) onUndo(what);
      });
      monitor.on('error', (err) => log.warn({ err: err.message }, 'kernel events: cannot run ip monitor; links and addresses are read back on the interval only'));
      monitor.on('exit', (code, signal) => {
        child = undefined;
        if (stopped) return;
        log.warn({ code, signal }, `kernel events: ip monitor ended; started again in ${RESTART_MS / 1000} s`);
        timer = setTimeout(start, RESTART_MS);
        timer.unref();
      });
    };
    start();
    return {
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        child?.kill();
      },
    };
  };
}
