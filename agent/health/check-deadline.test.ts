import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeDeadline, stallBoundMs } from './check-deadline.js';
import { httpMonitorFetch } from './l7-monitor-fetch.js';

/** Holds this process's event loop, as a starved or collecting agent would be held. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* busy */ }
}

describe('judgeDeadline', () => {
  it('reads a deadline that fired on time as a timeout', () => {
    expect(judgeDeadline(1000, 1005, 2000)).toEqual({ kind: 'timeout' });
    expect(judgeDeadline(1000, 1000 + stallBoundMs(2000), 2000)).toEqual({ kind: 'timeout' });
  });

  it('reads a deadline that fired later than the bound as the checker stalled', () => {
    expect(judgeDeadline(1000, 1501, 2000)).toEqual({ kind: 'stalled', lateMs: 501 });
  });

  it('gives short timeouts a bound of at least 100 ms', () => {
    expect(stallBoundMs(200)).toBe(100);
    expect(judgeDeadline(0, 90, 200)).toEqual({ kind: 'timeout' });
  });
});

// The monitor answers from another process, so its answer reaches the kernel while this one is held.
describe('httpMonitorFetch from a stalled checker', () => {
  let server: ChildProcess;
  let port = 0;
  beforeAll(async () => {
    server = spawn(process.execPath, ['-e', `
      const s = require('node:http').createServer((q, r) => {
        if (q.url === '/slow') return setTimeout(() => r.end('web=1 '), 5000);
        r.end('web=1 ');
      });
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(server.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    port = Number(line.toString().trim());
  });
  afterAll(() => { server.kill('SIGKILL'); });

  it('takes an answer that arrived while it was held past its deadline', async () => {
    const reply = httpMonitorFetch({ address: '127.0.0.1', port, path: '/', timeoutMs: 300 });
    // By now the request is out and answered into the socket; then the checker is held past the deadline,
    // outside the timers phase (as most work is), so the next loop turn finds the deadline due before it reads.
    await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setImmediate(r));
    stall(800);
    expect(await reply).toMatchObject({ kind: 'answer', status: 200, body: 'web=1 ' });
  });

  it('gives no verdict when it was held past its deadline and no answer came', async () => {
    const reply = httpMonitorFetch({ address: '127.0.0.1', port, path: '/slow', timeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 50));
    stall(800);
    const r = await reply;
    expect(r.kind).toBe('stalled');
  });

  it('times out a target that does not answer in time while the checker runs freely', async () => {
    expect(await httpMonitorFetch({ address: '127.0.0.1', port, path: '/slow', timeoutMs: 300 })).toEqual({ kind: 'timeout' });
  });
});
