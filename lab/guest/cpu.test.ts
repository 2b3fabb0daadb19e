import { describe, expect, it } from 'vitest';
import { cpuReport, parseCpuTotals, parseStat } from './cpu.js';

describe('the lab\'s CPU report', () => {
  it('reads own and reaped children\'s CPU time and the start from /proc/PID/stat, whatever the command name holds', () => {
    const stat = '42 (node (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 120 30 20 0 11 0 700 1000 50';
    expect(parseStat(42, stat, 'node agent')).toEqual({ pid: 42, ownS: 3, childrenS: 1.5, startedS: 7, args: 'node agent' });
  });

  it('reads the kernel\'s busy and idle time', () => {
    expect(parseCpuTotals('cpu  100 0 50 800 10 5 5 0 0 0\ncpu0 1 2 3')).toEqual({ busyS: 1.6, idleS: 8.1 });
  });

  it('lists processes by CPU time, own and children together, largest first, with start times from the lab\'s start', () => {
    const r = cpuReport('t', { busyS: 10, idleS: 0 }, [
      { pid: 1, ownS: 1, childrenS: 0, startedS: 105, args: 'a' },
      { pid: 2, ownS: 0.5, childrenS: 2, startedS: 110, args: 'b' },
      { pid: 3, ownS: 0, childrenS: 0, startedS: 110, args: 'idle' },
    ], 100).split('\n');
    expect(r[1]).toBe('kernel since boot: 10.0 s busy, 0.0 s idle; live processes: 1.5 s own, 2.0 s in reaped children');
    expect(r.slice(3)).toEqual(['   0.50        2.00          10.0  b', '   1.00        0.00           5.0  a']);
  });
});
