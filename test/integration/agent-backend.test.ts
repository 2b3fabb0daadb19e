// A backend node's agent, as a real process: it serves agent-check from its
// file, answers `tierlb status`, and refuses a site file made invalid.
import { readFileSync, writeFileSync } from 'node:fs';
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

  it('stops on SIGTERM with exit code 0', async () => {
    await agent.stop();
    expect(agent.child.exitCode).toBe(0);
  });
});
