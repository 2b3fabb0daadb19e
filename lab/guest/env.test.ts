import { describe, expect, it } from 'vitest';
import { run } from './env.js';

describe('run', () => {
  it('says a command the timeout killed timed out, with code 124', async () => {
    const r = await run('sleep', ['5'], 200);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/^timed out after 0.2 s/);
  });

  it('passes a command\'s own exit code and output through', async () => {
    const r = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });
});
