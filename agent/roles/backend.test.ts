// The backend role with fake agent-check sockets, driven by a real one
// writer while the site's agent-check port changes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { overrideNode, parseSiteValue, type Site } from '../../site/index.js';
import { exampleValue, nodeOf } from '../../test/helpers/site.js';
import type { Endpoint } from '../apply/listeners.js';
import { OneWriter } from '../loop/one-writer.js';
import { createLogger } from '../observe/log.js';
import { createMetrics } from '../observe/metrics.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { Supervisor } from '../supervise/supervisor.js';
import { AGENT_CHECK_LINGER_MS, backendRole, type BackendPlan } from './backend.js';

function harness() {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-backend-role-'));
  const parse = (port: number): Site => {
    const v = exampleValue();
    v.agent = { agentCheckPort: port };
    const r = parseSiteValue(v);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const o = overrideNode(r.site, 'srv-1', { agentCheckFile: join(dir, 'agent-check') });
    if (!o.ok) throw new Error(o.reason);
    return o.value;
  };
  let site = parse(9300);
  const listening = new Set<string>();
  const skipped = { ms: 0 };
  const clock: Clock = { now: () => Date.now() + skipped.ms, sleep: systemClock.sleep };
  const kick = { fn: (_r: string, _o?: { repair?: boolean }): Promise<void> => Promise.resolve() };
  const role = backendRole({
    node: nodeOf(site, 'srv-1'), log: createLogger('srv-1', 'silent'), metrics: createMetrics(new Registry()),
    clock, supervisor: new Supervisor(systemClock, () => undefined), kick: (r, o) => kick.fn(r, o),
  }, () => async (e: Endpoint) => {
    const key = `${e.host}:${e.port}`;
    if (listening.has(key)) throw new Error(`EADDRINUSE ${key}`);
    listening.add(key);
    return { port: e.port, close: async () => { listening.delete(key); } };
  });
  const writer = new OneWriter<BackendPlan>({ plan: () => role.plan(site), same: isDeepStrictEqual, apply: (p) => role.apply(site, p) }, () => undefined);
  kick.fn = (r, o) => writer.kick(r, o);
  return {
    listening: () => [...listening].sort(),
    async start() { await role.start(site); await writer.kick('start'); },
    async port(p: number) { site = parse(p); await writer.kick('site file changed'); },
    skip: (ms: number) => { skipped.ms += ms; },
    kick: (r: string, o?: { repair?: boolean }) => writer.kick(r, o),
    stop: () => role.stop(site),
  };
}

describe('the backend role', () => {
  it('serves agent-check on each of the node\'s addresses', async () => {
    const h = harness();
    await h.start();
    expect(h.listening()).toEqual(['10.0.2.41:9300', 'fd00:2::41:9300']);
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
