// The pool, depool, drain and history commands in-process on an in-memory
// fleet store: what they print, what they write, and their exit codes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run.js';
import { FakeFleetStore } from './fakes/fleet-store.js';
import { writeFleetSite } from './helpers/fleet-site.js';
import { REPO } from './helpers/site.js';

const NOW = Date.UTC(2026, 11, 3, 6, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'tierlb-pool-'));
const SITE = writeFleetSite(dir);

let store: FakeFleetStore;
let opened: string[];

beforeEach(() => {
  store = new FakeFleetStore();
  opened = [];
});

afterEach(() => {
  expect(store.open, 'a command left its fleet store client open').toBe(0);
});

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function tierlb(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'tierlb', ...args, '--config', SITE], { out: (t) => { out += t; }, err: (t) => { err += t; } }, {
    fleet: {
      openStore: async (settings) => {
        opened.push(settings.prefix);
        return store.client();
      },
      now: () => NOW,
      whoSources: () => ({ sudoUser: 'alice', login: 'root', host: 'lb-admin' }),
    },
  });
  return { code, out, err };
}

const bobHasL41 = () => store.put('l4-1', { pooled: 'no', reason: 'disk', who: 'bob@ops', when: '2026-12-03T05:00:00.000Z' });

describe('tierlb depool', () => {
  it('writes the record under the site\'s prefix, prints the change and what the site will do', async () => {
    const r = await tierlb('depool', 'l4-2', '--reason', 'kernel upgrade', '--ttl', '30m');
    expect(r.code, r.err).toBe(0);
    expect(opened).toEqual(['/tierlb/lab']);
    expect(r.out).toBe([
      'l4-2: yes -> no (depooled by alice@lb-admin: kernel upgrade), until 2026-12-03T06:30:00.000Z',
      '  web: l4-2 withdraws 198.51.100.1, 198.51.100.2, 2001:db8::c633:6401, 2001:db8::c633:6402; 2 of 3 L4 nodes keep announcing (l4-1, l4-3)',
      '  api: l4-2 withdraws 198.51.100.3, 198.51.100.4, 2001:db8::c633:6403, 2001:db8::c633:6404; 2 of 3 L4 nodes keep announcing (l4-1, l4-3)',
      '',
    ].join('\n'));
    expect(store.records.get('l4-2')).toEqual({ pooled: 'no', reason: 'kernel upgrade', who: 'alice@lb-admin', when: '2026-12-03T06:00:00.000Z', expires: '2026-12-03T06:30:00.000Z' });
  });

  it('refuses past a limit with exit 4, every broken limit and the way past it, and writes nothing', async () => {
    bobHasL41();
    const r = await tierlb('depool', 'l4-2', '--reason', 'kernel upgrade');
    expect(r.code).toBe(4);
    expect(r.err).toBe([
      'tierlb: depool l4-2 refused by 1 safety limit(s); nothing was changed',
      '  etcd.limits.maxL4Withdrawn: l4-2 would make 2 of 3 L4 nodes out, at most 1; already out: l4-1 (no by bob@ops: disk)',
      '--force to do it anyway (recorded as forced)',
      '',
    ].join('\n'));
    expect(store.records.has('l4-2')).toBe(false);
    expect(store.events).toEqual([]);
  });

  it('goes past a limit with --force and says so in the record and the output', async () => {
    bobHasL41();
    const r = await tierlb('depool', 'l4-2', '--reason', 'kernel upgrade', '--force');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^l4-2: yes -> no \(depooled by alice@lb-admin: kernel upgrade\), forced past etcd\.limits\.maxL4Withdrawn \(2 of 3 L4 nodes out, at most 1\)\n/);
    expect(store.records.get('l4-2')?.forced).toBe('etcd.limits.maxL4Withdrawn (2 of 3 L4 nodes out, at most 1)');
  });

  it('decides again when another change commits between its read and its commit', async () => {
    store.beforeCommit = bobHasL41;
    const r = await tierlb('depool', 'l4-2', '--reason', 'kernel upgrade');
    expect(r.code).toBe(4);
    expect(store.reads).toBe(2);
    expect(r.err).toMatch(/already out: l4-1 \(no by bob@ops: disk\)/);
  });

  it('writes again when the state is already the one asked for: the history shows the ask', async () => {
    expect((await tierlb('depool', 'srv-1', '--reason', 'disk')).code).toBe(0);
    const r = await tierlb('depool', 'srv-1', '--reason', 'disk, still');
    expect(r.out).toMatch(/^srv-1: no -> no \(depooled by alice@lb-admin: disk, still\)\n {2}pool web: 3 of 4 servers pooled \(services: web\); out: srv-1 \(no\)\n/);
    expect(store.events.map((e) => `${e.from}->${e.pooled}`)).toEqual(['yes->no', 'no->no']);
  });

  it('names the record etcd holds that it cannot read, and goes on', async () => {
    store.problems = [{ key: '/tierlb/lab/pool/l7-1', problem: 'pooled: Invalid option' }];
    const r = await tierlb('depool', 'l7-2', '--reason', 'test');
    expect(r.code).toBe(0);
    expect(r.err).toBe('tierlb: warning: /tierlb/lab/pool/l7-1: pooled: Invalid option; left out (counts as pooled)\n');
  });

  it('prints the outcome as JSON with --json', async () => {
    const r = await tierlb('drain', 'l7-1', '--reason', 'test', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { outcome: string; event: { from: string; pooled: string }; impact: string[] };
    expect(json.outcome).toBe('committed');
    expect(json.event).toMatchObject({ name: 'l7-1', from: 'yes', pooled: 'drain', who: 'alice@lb-admin' });
    expect(json.impact[0]).toBe('web: 3 of 4 L7 nodes take new connections; out: l7-1 (drain)');
  });
});

describe('tierlb pool', () => {
  it('puts a node back, never refused by a limit', async () => {
    bobHasL41();
    store.put('l4-2', { pooled: 'no', reason: 'x', who: 'bob@ops', when: '2026-12-03T05:00:00.000Z', forced: 'etcd.limits.maxL4Withdrawn' });
    const r = await tierlb('pool', 'l4-2', '--who', 'carol');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^l4-2: no -> yes \(pooled by carol\)\n {2}web: l4-2 announces .* again; 2 of 3 L4 nodes announce \(l4-2, l4-3\)\n/);
  });

  it('sets the share of an L7 node\'s weight', async () => {
    const r = await tierlb('pool', 'l7-1', '--weight', '50%', '--reason', 'half');
    expect(r.code, r.err).toBe(0);
    expect(store.records.get('l7-1')).toMatchObject({ pooled: 'yes', weight: 50, reason: 'half' });
  });

  it('refuses a weight for an L4 node before reaching etcd', async () => {
    const r = await tierlb('pool', 'l4-1', '--weight', '50%');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: --weight: l4-1 is an L4 node, which has no weight/);
    expect(opened).toEqual([]);
  });

  it.each([['0%'], ['150%'], ['half']])('refuses --weight %s', async (w) => {
    const r = await tierlb('pool', 'l7-1', '--weight', w);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: --weight: expected a percent of the configured weight from 1% to 100%/);
  });
});

describe('tierlb depool: what it refuses before etcd', () => {
  it('needs --reason', async () => {
    const r = await tierlb('depool', 'l4-1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/required option '--reason <text>' not specified/);
  });

  it.each([[''], ['a'.repeat(121)], ['tab\there']])('refuses --reason %j', async (reason) => {
    const r = await tierlb('drain', 'l4-1', '--reason', reason);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: --reason: expected printable ASCII text of 1 to 120 characters, got /);
  });

  it.each([['30'], ['0s'], ['25h']])('refuses --ttl %s', async (ttl) => {
    const r = await tierlb('depool', 'l4-1', '--reason', 'x', '--ttl', ttl);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: --ttl: expected a duration/);
  });

  it('refuses a router, listing what can be pooled', async () => {
    const r = await tierlb('depool', 'rt-1', '--reason', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: NAME: expected an L4 node, .* got "rt-1" \(a router node, which is not pooled\); L4 nodes: l4-1, l4-2, l4-3;/);
  });

  it('refuses a site without an etcd: section and points at the local files', async () => {
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, readFileSync(join(REPO, 'examples', 'site.yaml')));
    let err = '';
    const code = await runCli(['node', 'tierlb', 'depool', 'l4-1', '--reason', 'x', '--config', plain], { out: () => undefined, err: (t) => { err += t; } });
    expect(code).toBe(2);
    expect(err).toBe(`tierlb: ${plain}: this site has no etcd: section; use /etc/lb/disable and /etc/lb/agent-check on the node\n`);
  });

  it('says which endpoints it cannot reach, in one line, exit 2', async () => {
    store.unreachable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2379' });
    const r = await tierlb('depool', 'l4-1', '--reason', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toBe('tierlb: cannot reach etcd at http://127.0.0.1:2379: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2379\n');
  });
});

describe('tierlb history', () => {
  it('lists the changes oldest first: when, what, from and to, who, why, until when', async () => {
    await tierlb('depool', 'l4-1', '--reason', 'kernel upgrade', '--ttl', '2h');
    await tierlb('drain', 'srv-2', '--reason', 'disk', '--who', 'bob@ops');
    const r = await tierlb('history');
    expect(r.code).toBe(0);
    expect(r.out).toBe([
      '2026-12-03T06:00:00.000Z  l4-1   yes -> no     alice@lb-admin: kernel upgrade, until 2026-12-03T08:00:00.000Z',
      '2026-12-03T06:00:00.000Z  srv-2  yes -> drain  bob@ops: disk',
      '',
    ].join('\n'));
  });

  it('keeps to one name and the newest --limit changes, and prints JSON', async () => {
    for (const reason of ['one', 'two', 'three']) await tierlb('depool', 'l7-1', '--reason', reason);
    await tierlb('depool', 'l7-2', '--reason', 'other');
    const r = await tierlb('history', 'l7-1', '--limit', '2', '--json');
    expect((JSON.parse(r.out) as { reason: string }[]).map((e) => e.reason)).toEqual(['two', 'three']);
  });

  it('says when nothing is recorded', async () => {
    expect((await tierlb('history', 'l4-3')).out).toBe('no changes recorded for l4-3 under /tierlb/lab\n');
  });

  it('refuses a --limit that is not a count', async () => {
    const r = await tierlb('history', '--limit', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: --limit: expected a whole number of events from 1 to 10000, got "0"/);
  });
});
