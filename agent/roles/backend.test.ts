// The backend role with fake agent-check sockets, driven by a real one
// writer while the site's agent-check port changes.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { roleHarness } from '../../test/helpers/role-harness.js';
import { exampleValue } from '../../test/helpers/site.js';
import type { Endpoint } from '../apply/listeners.js';
import { RoleStartError } from '../role.js';
import { AGENT_CHECK_LINGER_MS, backendRole } from './backend.js';

function withPort(port: number): Record<string, unknown> {
  const v = exampleValue();
  v.agent = { agentCheckPort: port };
  return v;
}

function harness() {
  const listening = new Set<string>();
  const h = roleHarness(withPort(9300), 'srv-1', (deps) => backendRole(deps, () => async (e: Endpoint) => {
    const key = `${e.host}:${e.port}`;
    if (listening.has(key)) throw new Error(`EADDRINUSE ${key}`);
    listening.add(key);
    return { port: e.port, close: async () => { listening.delete(key); } };
  }));
  return { ...h, listening: () => [...listening].sort(), port: (p: number) => h.edit(withPort(p)) };
}

describe('the backend role', () => {
  it('refuses to start, saying which port is taken, when another process holds the agent-check port (an error the CLI gives without a stack)', async () => {
    const h = roleHarness(withPort(9300), 'srv-1', (deps) => backendRole(deps, () => async (e: Endpoint) => {
      throw new Error(`listen EADDRINUSE: address already in use ${e.host}:${e.port}`);
    }));
    const started = h.start();
    await expect(started).rejects.toBeInstanceOf(RoleStartError);
    await expect(started).rejects.toThrow(/cannot serve agent-check: .*10\.0\.2\.41:9300: listen EADDRINUSE/);
  });

  it('serves agent-check on each of the node\'s addresses', async () => {
    const h = harness();
    await h.start();
    expect(h.listening()).toEqual(['10.0.2.41:9300', 'fd00:2::41:9300']);
    await h.stop();
  });

  it('shows its agent-check file\'s state in tierlb_agent_maintenance_state', async () => {
    const h = harness();
    await h.start();
    const file = h.site().nodes.find((n) => n.name === 'srv-1')?.agent.agentCheckFile ?? '';
    const state = async (): Promise<unknown[]> => (await h.metrics.maintenance.get()).values.map((v) => [v.labels.file, v.labels.state, v.value]);
    await h.kick('start');
    expect(await state()).toEqual([[file, 'up', 1]]);
    writeFileSync(file, 'drain\n');
    await h.kick(`${file} changed`);
    expect(await state()).toEqual([[file, 'drain', 1]]);
    await h.stop();
  });

  it('answers on the old and the new agent-check port while the L7 nodes move, then only on the new one', async () => {
    const h = harness();
    await h.start();
    await h.port(9301);
    expect(h.listening()).toEqual(['10.0.2.41:9300', '10.0.2.41:9301', 'fd00:2::41:9300', 'fd00:2::41:9301']);
    h.skip(AGENT_CHECK_LINGER_MS);
    await h.kick('agent-check listener linger', { repair: true });
    expect(h.listening()).toEqual(['10.0.2.41:9301', 'fd00:2::41:9301']);
    await h.stop();
    expect(h.listening()).toEqual([]);
  });

  it('takes back a port it was about to close when the edit is reverted', async () => {
    const h = harness();
    await h.start();
    await h.port(9301);
    await h.port(9300);
    h.skip(AGENT_CHECK_LINGER_MS);
    await h.kick('agent-check listener linger', { repair: true });
    expect(h.listening()).toEqual(['10.0.2.41:9300', 'fd00:2::41:9300']);
    await h.stop();
  });
});
