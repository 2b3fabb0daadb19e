// A backend node's agent, as a real process: it serves agent-check from its
// file, answers `tierlb status`, and refuses a site file made invalid.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, waitFor, writeSiteFile, type AgentProcess } from '../helpers/agent.js';
import { runCli } from '../helpers/cli.js';
import { exampleValue } from '../helpers/site.js';

const AGENT_CHECK_PORT = 19300 + (process.pid % 90);

function site(): unknown {
  const v = exampleValue() as { agent?: Record<string, unknown>; nodes: { name: string; addresses: Record<string, string> }[] };
  v.agent = { ...(v.agent ?? {}), agentCheckPort: AGENT_CHECK_PORT };
  const srv = v.nodes.find((n) => n.name === 'srv-1');
  if (srv) srv.addresses = { ipv4: '127.0.0.41' };
  return v;
}

function agentCheck(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(AGENT_CHECK_PORT, '127.0.0.41');
    s.setTimeout(2000, () => s.destroy(new Error('agent-check timed out')));
    s.on('data', (c) => { text += c.toString(); });
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

/** The agent's log lines about agent-check connections (pino JSON, one a line). */
const agentCheckComplaints = (output: string): string[] => output.split('\n').filter((l) => /"msg":"agent-check connection/.test(l));

describe('backend agent', () => {
  let agent: AgentProcess;
  beforeAll(async () => { agent = await startAgentProcess(writeSiteFile(site()), 'srv-1'); });
  afterAll(async () => { await agent?.stop(); });

  it('answers agent-check with ready up 100% when there is no file', async () => {
    expect(await agentCheck()).toBe('up ready 100%\n');
  });

  it('answers drain as soon as the operator writes it', async () => {
    writeFileSync(join(agent.dir, 'etc-lb', 'agent-check'), 'drain # reboot, alice\n');
    expect(await agentCheck()).toMatch(/^up drain 100% # reboot, alice\n$/);
  });

  it('shows the agent-check state in tierlb status', async () => {
    const { value } = await waitFor('status shows drain', async () => {
      const r = await runCli(['status', '--url', agent.statusUrl]);
      return r.stdout.includes('drain') ? r : undefined;
    });
    expect(value.exitCode).toBe(0);
    expect(value.stdout).toMatch(/node srv-1 \(backend\) of site example/);
    expect(value.stdout).toMatch(/agent-check: drain \(file\) \(reboot, alice\)/);
  });

  it('refuses a site file made invalid while running, and keeps serving', async () => {
    const text = readFileSync(agent.siteFile, 'utf8');
    writeFileSync(agent.siteFile, text.replace('asn: 64512', 'asn: -1'));
    await waitFor('the refusal in the log', () => (agent.output().includes('site file refused') ? true : undefined), 5000);
    expect(agent.output()).toMatch(/bgp\.asn: expected an AS number/);
    expect(await agentCheck()).toMatch(/^up drain/);
    const metrics = await (await fetch(`${agent.statusUrl}/metrics`)).text();
    expect(metrics).toMatch(/tierlb_agent_config_rejected_total\{stage="validate"\} 1/);
    writeFileSync(agent.siteFile, text);
  });

  it('refuses an alias bomb, an oversize file and a FIFO at the site file path, and keeps serving', async () => {
    const text = readFileSync(agent.siteFile, 'utf8');
    const rejected = async (): Promise<number> => Number(/tierlb_agent_config_rejected_total\{stage="validate"\} (\d+)/.exec(await (await fetch(`${agent.statusUrl}/metrics`)).text())?.[1] ?? 0);
    const replace = (write: (path: string) => void): void => {
      const next = `${agent.siteFile}.next`;
      rmSync(next, { force: true });
      write(next);
      renameSync(next, agent.siteFile);
    };
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    const attempts: [string, (path: string) => void][] = [
      ['alias bomb', (path) => writeFileSync(path, `${bomb}\n`)],
      ['oversize file', (path) => writeFileSync(path, `# ${'x'.repeat(2 * 1024 * 1024)}\n${text}`)],
      ['FIFO', (path) => execFileSync('mkfifo', [path])],
    ];
    try {
      for (const [what, write] of attempts) {
        const before = await rejected();
        replace(write);
        await waitFor(`the ${what} refused`, async () => ((await rejected()) > before ? true : undefined), 10000, 100);
        expect(await agentCheck(), what).toMatch(/^up /);
      }
    } finally {
      replace((path) => writeFileSync(path, text));
    }
    expect(agent.output()).not.toMatch(/Uncaught|RangeError|at .*\.ts:\d+/);
  });

  it('closes an agent-check client that keeps sending after its answer, within 2 s', async () => {
    const s = connect({ port: AGENT_CHECK_PORT, host: '127.0.0.41', allowHalfOpen: true });
    s.on('error', () => undefined);
    const drip = setInterval(() => { if (!s.destroyed) s.write('x'); }, 100);
    const started = Date.now();
    const outcome = await Promise.race([
      new Promise<'closed'>((done) => s.once('close', () => done('closed'))),
      new Promise<'still open'>((done) => setTimeout(() => done('still open'), 5000)),
    ]);
    clearInterval(drip);
    s.destroy();
    expect(outcome).toBe('closed');
    expect(Date.now() - started).toBeLessThan(3500);
  });

  it('logs a burst of 300 agent-check client resets in a few lines', async () => {
    const linesBefore = agentCheckComplaints(agent.output()).length;
    const reset = (): Promise<void> => new Promise((done) => {
      const s = connect(AGENT_CHECK_PORT, '127.0.0.41', () => s.resetAndDestroy());
      s.on('error', () => undefined);
      s.on('close', () => done());
    });
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 30 }, reset));
    expect(await agentCheck()).toMatch(/^up drain/);
    expect(agentCheckComplaints(agent.output()).length - linesBefore).toBeLessThanOrEqual(3);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    await agent.stop();
    expect(agent.child.exitCode).toBe(0);
  });
});
