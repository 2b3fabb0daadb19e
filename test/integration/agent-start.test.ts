// An agent that cannot finish starting undoes what it started and exits:
// no half-started agent holding its ports and daemons.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSiteFile } from '../helpers/agent.js';
import { exampleValue, REPO } from '../helpers/site.js';

const STATUS_PORT = 18400 + (process.pid % 500);
const AGENT_CHECK_PORT = 18950 + (process.pid % 40);

/** `tierlb agent` for srv-1 of the example site, on `address`, with its own folders. */
function backendAgent(o: { address: string; agentCheckPort: number; statusPort: number; logLevel: string }): ResultPromise<{ reject: false; cwd: string; timeout: number; env: Record<string, string> }> {
  const v = exampleValue() as { agent?: Record<string, unknown>; nodes: { name: string; addresses: Record<string, string> }[] };
  v.agent = { agentCheckPort: o.agentCheckPort };
  const srv = v.nodes.find((n) => n.name === 'srv-1');
  if (srv) srv.addresses = { ipv4: o.address };
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-agent-start-'));
  for (const d of ['etc-lb', 'run', 'state', 'conf']) mkdirSync(join(dir, d));
  return execa(process.execPath, [
    '--import', 'tsx', join(REPO, 'cli', 'main.ts'), 'agent', '--config', writeSiteFile(v), '--node', 'srv-1',
    '--disable-file', join(dir, 'etc-lb', 'disable'), '--agent-check-file', join(dir, 'etc-lb', 'agent-check'),
    '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state'), '--config-dir', join(dir, 'conf'),
    '--listen', `127.0.0.1:${o.statusPort}`,
  ], { reject: false, cwd: REPO, timeout: 30000, env: { TIERLB_LOG_LEVEL: o.logLevel } });
}

describe('an agent whose status endpoint cannot be bound', () => {
  let squatter: Server;
  beforeAll(async () => {
    squatter = createServer();
    await new Promise<void>((ready) => squatter.listen(STATUS_PORT, '127.0.0.1', () => ready()));
  });
  afterAll(() => new Promise<void>((done) => squatter.close(() => done())));

  it('exits 1 with one line, releasing the agent-check port it had bound', async () => {
    const r = await backendAgent({ address: '127.0.0.42', agentCheckPort: AGENT_CHECK_PORT, statusPort: STATUS_PORT, logLevel: 'error' });
    expect(r.timedOut, 'the agent kept running after it failed to start').toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^tierlb: cannot start: .*EADDRINUSE/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const free = createServer();
    await new Promise<void>((done, fail) => { free.once('error', fail); free.listen(AGENT_CHECK_PORT, '127.0.0.42', () => done()); });
    await new Promise<void>((done) => free.close(() => done()));
  });
});

describe('an agent told to stop while it starts', () => {
  it('finishes its start, then makes the planned stop and exits 0, not killed by the signal', async () => {
    const child = backendAgent({ address: '127.0.0.43', agentCheckPort: AGENT_CHECK_PORT + 1, statusPort: STATUS_PORT + 1, logLevel: 'debug' });
    // The first line the agent logs comes from inside its start, before "agent started".
    let firstLine = '';
    child.stdout?.once('data', (chunk: Buffer) => { firstLine = chunk.toString().split('\n')[0] ?? ''; child.kill('SIGTERM'); });
    const r = await child;
    expect(firstLine, 'the signal came before the start was done').not.toMatch(/"msg":"agent started"/);
    expect(r.signal, `${String(r.stdout).slice(-2000)}\n${String(r.stderr)}`).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/"msg":"agent started"[\s\S]*"msg":"planned stop"/);
  });
});

describe('an agent sent SIGTERM and SIGINT again during its planned stop', () => {
  it('finishes the planned stop and exits 0, not killed by them, saying they were ignored', async () => {
    const child = backendAgent({ address: '127.0.0.44', agentCheckPort: AGENT_CHECK_PORT + 2, statusPort: STATUS_PORT + 2, logLevel: 'info' });
    let out = '';
    let sent = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (sent === 0 && out.includes('"msg":"agent started"')) { sent = 1; child.kill('SIGTERM'); }
      if (sent === 1 && out.includes('"msg":"planned stop"')) { sent = 2; child.kill('SIGTERM'); child.kill('SIGINT'); }
    });
    const r = await child;
    expect(sent, 'the agent logged its planned stop').toBe(2);
    expect(r.signal, `${String(r.stdout).slice(-2000)}\n${String(r.stderr)}`).toBeUndefined();
    expect(r.exitCode).toBe(0);
    // The stop may end, and the agent exit, before the signals come (its log reaches the test a little late): then nothing is said.
    for (const line of r.stderr.split('\n').filter((l) => l !== '')) expect(line).toMatch(/^tierlb agent: SIG(TERM|INT) ignored: the planned stop is under way \(SIGKILL ends it at once\)$/);
  });
});
