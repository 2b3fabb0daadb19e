// A backend node's agent, as a real process under a stand-in for systemd:
// what it sends on the notify socket when it is ready, reloads on SIGHUP
// (a good and a refused site file) and stops on SIGTERM.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, writeSiteFile, type AgentProcess } from '../helpers/agent.js';
import { notifyReceiver, type NotifyReceiver } from '../helpers/notify-receiver.js';
import { exampleValue } from '../helpers/site.js';

const AGENT_CHECK_PORT = 19200 + (process.pid % 90);

function site(): unknown {
  const v = exampleValue() as { agent?: Record<string, unknown>; nodes: { name: string; addresses: Record<string, string> }[] };
  v.agent = { ...(v.agent ?? {}), agentCheckPort: AGENT_CHECK_PORT };
  const srv = v.nodes.find((n) => n.name === 'srv-2');
  if (srv) srv.addresses = { ipv4: '127.0.0.42' };
  return v;
}

const texts = async (r: NotifyReceiver | undefined, n: number): Promise<string[]> => ((await r?.datagrams(n, 20000)) ?? []).map((d) => d.text);

describe('backend agent under a service manager', () => {
  let agent: AgentProcess | undefined;
  let receiver: NotifyReceiver | undefined;

  beforeAll(async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'tierlb-notify-')), 'notify');
    receiver = await notifyReceiver(socket);
    agent = await startAgentProcess(writeSiteFile(site()), 'srv-2', { env: { NOTIFY_SOCKET: socket } });
  });
  afterAll(async () => {
    await agent?.stop();
    receiver?.close();
  });

  it('says READY=1 from its own pid once its first turn is applied, with the turn as its status', async () => {
    const [ready] = (await receiver?.datagrams(1, 20000)) ?? [];
    expect(ready).toEqual({ text: 'READY=1\nSTATUS=backend: last turn applied (start)', pid: agent?.child.pid });
  });

  it('wraps a SIGHUP reload in RELOADING=1 and READY=1', async () => {
    agent?.child.kill('SIGHUP');
    const [, reloading, ready] = await texts(receiver, 3);
    expect(reloading).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=backend: reloading the site file$/);
    expect(ready).toMatch(/^READY=1\nSTATUS=backend: /);
  });

  it('says in its status that a refused site file left the last good one running', async () => {
    if (!agent) throw new Error('no agent');
    writeFileSync(agent.siteFile, readFileSync(agent.siteFile, 'utf8').replace('site: example', 'site: "bad name!"'));
    agent.child.kill('SIGHUP');
    const all = await texts(receiver, 5);
    expect(all[3]).toMatch(/^RELOADING=1\n/);
    expect(all[4]).toMatch(/^READY=1\nSTATUS=backend: site file refused, the last good one runs: \S+site\.yaml:line 1: site: expected a name/);
  });

  it('says STOPPING=1 when a planned stop begins', async () => {
    await agent?.stop();
    expect((await texts(receiver, 6))[5]).toBe('STOPPING=1\nSTATUS=backend: planned stop');
  });
});
