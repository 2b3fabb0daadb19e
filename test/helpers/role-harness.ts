// A role under test as the agent's runtime drives it: a site parsed with the
// node's paths in a temporary folder, the deps a role gets (silent logger,
// own metrics, a clock tests can skip ahead), and a real one writer whose
// kicks the role can ask for. The role itself comes with fake drivers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Registry } from 'prom-client';
import { OneWriter } from '../../agent/loop/one-writer.js';
import { createLogger } from '../../agent/observe/log.js';
import { createMetrics, type Metrics } from '../../agent/observe/metrics.js';
import { systemClock, type Clock } from '../../agent/ports/clock.js';
import type { Role, RoleDeps } from '../../agent/role.js';
import { Supervisor } from '../../agent/supervise/supervisor.js';
import { overrideNode, parseSiteValue, type Site } from '../../site/index.js';
import { nodeOf } from './site.js';
import type { FleetView } from '../../fleet/store.js';

type Kick = (reason: string, opts?: { readonly repair?: boolean }) => Promise<void>;

export interface RoleHarness<P> {
  readonly role: Role<P>;
  readonly dir: string;
  readonly metrics: Metrics;
  site(): Site;
  /** Moves the role's clock ahead without sleeping (drift checks, lingering listeners, departures). */
  skip(ms: number): void;
  start(): Promise<void>;
  /** Replaces the running site, as a changed site file does, and waits for the turn. */
  edit(value: unknown): Promise<void>;
  kick: Kick;
  stop(): Promise<void>;
}

/** `value` parsed, with every path of `name` under `dir`. */
export function siteFor(value: unknown, name: string, dir: string): Site {
  const r = parseSiteValue(value);
  if (!r.ok) throw new Error(`the test site does not validate: ${JSON.stringify(r.issues)}`);
  const paths = { disableFile: join(dir, 'disable'), agentCheckFile: join(dir, 'agent-check'), configDir: dir, runDir: dir, stateDir: dir };
  const o = overrideNode(r.site, name, paths);
  if (!o.ok) throw new Error(o.reason);
  return o.value;
}

/** `fleet`: the fleet state the role sees (RoleDeps.fleet); a test changes what it returns, then kicks. */
export function roleHarness<P>(value: unknown, name: string, makeRole: (deps: RoleDeps) => Role<P>, fleet?: () => FleetView | undefined): RoleHarness<P> {
  const dir = mkdtempSync(join(tmpdir(), `tierlb-${name}-role-`));
  let site = siteFor(value, name, dir);
  // Real time, plus what a test skips ahead without sleeping.
  const skipped = { ms: 0 };
  const clock: Clock = { now: () => Date.now() + skipped.ms, sleep: systemClock.sleep };
  const kickRef: { kick: Kick } = { kick: () => Promise.resolve() };
  const metrics = createMetrics(new Registry());
  const role = makeRole({
    node: nodeOf(site, name), log: createLogger(name, process.env.TIERLB_TEST_LOG === '1' ? 'debug' : 'silent'), metrics,
    clock, supervisor: new Supervisor(systemClock, () => undefined), kick: (r, o) => kickRef.kick(r, o),
    ...(fleet ? { fleet } : {}),
  });
  const writer = new OneWriter<P>({ plan: () => role.plan(site), same: isDeepStrictEqual, apply: (p) => role.apply(site, p) }, () => undefined);
  kickRef.kick = (r, o) => writer.kick(r, o);
  return {
    role, dir, metrics,
    site: () => site,
    skip: (ms) => { skipped.ms += ms; },
    async start() { await role.start(site); await writer.kick('start'); },
    async edit(v) { site = siteFor(v, name, dir); await writer.kick('site file changed'); },
    kick: (r, o) => writer.kick(r, o),
    stop: () => role.stop(site),
  };
}
