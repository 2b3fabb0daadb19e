// Where the lab kernel's CPU went up to one moment: the kernel's totals, then
// every live process with its own CPU time and the CPU time of the children
// it has reaped (an agent's birdc, ip and checker runs), and when it started.
// The lab writes it when the smoke checks are done (cpu-up.txt), which is
// the profile of the bring-up. Reads /proc only.
import { readdirSync, readFileSync } from 'node:fs';
import { LAB_T0 } from './env.js';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux, UML included). */
const HZ = 100;

export interface ProcessCpu {
  readonly pid: number;
  readonly ownS: number;
  readonly childrenS: number;
  readonly startedS: number;
  readonly args: string;
}

/** One /proc/PID/stat line: the fields after the command name (which may hold spaces and parentheses). */
export function parseStat(pid: number, stat: string, args: string): ProcessCpu | undefined {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ... utime(14) stime(15) cutime(16) cstime(17) ... starttime(22), counted from 1.
  const at = (field: number): number => Number(f[field - 3]);
  if (f.length < 20 || Number.isNaN(at(22))) return undefined;
  return { pid, ownS: (at(14) + at(15)) / HZ, childrenS: (at(16) + at(17)) / HZ, startedS: at(22) / HZ, args };
}

/** `cpu` line of /proc/stat: busy and idle seconds since boot. */
export function parseCpuTotals(stat: string): { busyS: number; idleS: number } {
  const f = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busyS: (user + nice + system + irq + softirq + steal) / HZ, idleS: (idle + iowait) / HZ };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function processes(): ProcessCpu[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    const args = read(`/proc/${d}/cmdline`).split('\0').filter((a) => a !== '').join(' ');
    const p = parseStat(Number(d), read(`/proc/${d}/stat`), args);
    return p ? [p] : [];
  });
}

/** The report: totals, then processes by CPU time (own + reaped children), largest first; start times from `t0` (uptime). */
export function cpuReport(title: string, totals: { busyS: number; idleS: number }, procs: readonly ProcessCpu[], t0 = 0): string {
  const sorted = [...procs].sort((a, b) => b.ownS + b.childrenS - (a.ownS + a.childrenS));
  const sum = (k: 'ownS' | 'childrenS'): number => procs.reduce((s, p) => s + p[k], 0);
  return [
    title,
    `kernel since boot: ${totals.busyS.toFixed(1)} s busy, ${totals.idleS.toFixed(1)} s idle; live processes: ${sum('ownS').toFixed(1)} s own, ${sum('childrenS').toFixed(1)} s in reaped children`,
    '  own s  children s  started at s  command',
    ...sorted.filter((p) => p.ownS + p.childrenS > 0).map((p) => `${p.ownS.toFixed(2).padStart(7)}  ${p.childrenS.toFixed(2).padStart(10)}  ${(p.startedS - t0).toFixed(1).padStart(12)}  ${p.args.slice(0, 200) || `[${p.pid}]`}`),
  ].join('\n');
}

export function cpuSnapshot(title: string): string {
  return `${cpuReport(title, parseCpuTotals(read('/proc/stat')), processes(), LAB_T0)}\n`;
}
