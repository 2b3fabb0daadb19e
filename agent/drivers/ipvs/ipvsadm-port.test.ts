import { describe, expect, it } from 'vitest';
import { restoreBoundMs, restoreFailure } from './ipvsadm-port.js';

describe('ipvsadm -R failures, in words', () => {
  it('names the bound a long restore ran into, and the bound grows with the operations', () => {
    expect(restoreFailure({ timedOut: true, exitCode: undefined, signal: 'SIGTERM', stderr: '' }, 50_000)).toBe('ipvsadm -R of 50000 operation(s) did not finish within 80 s');
    expect(restoreBoundMs(10)).toBeLessThan(restoreBoundMs(50_000));
  });

  it('names the signal that ended it, or its exit code and message', () => {
    expect(restoreFailure({ exitCode: undefined, signal: 'SIGKILL', stderr: '' }, 1)).toBe('ipvsadm -R was ended by SIGKILL');
    expect(restoreFailure({ exitCode: 2, stderr: 'Memory allocation problem\n' }, 1)).toBe('ipvsadm -R exited 2: Memory allocation problem');
  });
});
