// The real runner against tiny real programs, as execa's own tests do.
import { describe, expect, it } from 'vitest';
import type { Runner } from '../../../tiers/common/runner.js';
import { processRunner, netnsRunner } from './runner.js';

describe('processRunner', () => {
  it('returns the exit code and output of a program that succeeds', async () => {
    expect(await processRunner('sh', ['-c', 'echo out; echo err >&2'])).toEqual({ exitCode: 0, stdout: 'out', stderr: 'err' });
  });

  it('returns a failing exit code as a value instead of throwing', async () => {
    const r = await processRunner('sh', ['-c', 'echo nope >&2; exit 3']);
    expect(r).toEqual({ exitCode: 3, stdout: '', stderr: 'nope' });
  });

  it('feeds input to the program on stdin', async () => {
    expect((await processRunner('cat', [], { input: 'a line' })).stdout).toBe('a line');
  });

  it('reports a program that does not exist as exit code -1 with a reason', async () => {
    const r = await processRunner('tierlb-no-such-program', []);
    expect(r.exitCode).toBe(-1);
    expect(r.stderr).toMatch(/ENOENT/);
  });

  it('stops a program that outlives its timeout and reports exit code -1', async () => {
    const r = await processRunner('sleep', ['5'], { timeoutMs: 100 });
    expect(r.exitCode).toBe(-1);
    expect(r.stderr).toMatch(/timed out/i);
  });
});

describe('netnsRunner', () => {
  it('runs every command through ip netns exec in the named namespace', async () => {
    const calls: string[][] = [];
    const inner: Runner = async (cmd, args) => {
      calls.push([cmd, ...args]);
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    await netnsRunner('ns1', inner)('sysctl', ['-n', 'net.ipv4.ip_forward']);
    expect(calls).toEqual([['ip', 'netns', 'exec', 'ns1', 'sysctl', '-n', 'net.ipv4.ip_forward']]);
  });
});
