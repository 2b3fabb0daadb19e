// A frozen L4 node (SIGSTOP: its sessions stay open, nothing answers) is out
// of the router's multipath VIP route within 1 s, with either speaker: the
// router runs BFD to every L4 node and resolves the VIP next hops through
// BFD-controlled host routes. Real daemons from the rendered configs, in
// network namespaces this test creates: a router (BIRD), a reflector
// (gobgpd), two L4 nodes announcing the same VIP (gobgpd beside a BFD-only
// BIRD, or a BIRD speaker). With BFD off, the same freeze lasts until the
// reflector's hold time expires: measured and printed for comparison.
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeNamed, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { gobgpAnnounceArgs, renderBirdVips, renderEcmp } from '../../tiers/ecmp/index.js';
import { exampleValue, parseValue } from '../helpers/site.js';

/** One VIP per family: the router watches an L4 node's IPv4 and IPv6 addresses with BFD, each through its own host route. */
const VIPS = { ipv4: '198.51.100.1' as IpAddress, ipv6: '2001:db8::c633:6401' as IpAddress };
const FAMILIES = ['ipv4', 'ipv6'] as const;
type Family = (typeof FAMILIES)[number];
const NODES = ['rt-1', 'rr-1', 'l4-1', 'l4-2'];
const FROZEN = 'l4-1';
const HOPS: Record<Family, { frozen: string; other: string }> = {
  ipv4: { frozen: '10.0.0.21', other: '10.0.0.22' },
  ipv6: { frozen: 'fd00::21', other: 'fd00::22' },
};
/** The promise: interval 100 ms x multiplier 3 = 300 ms to detect, plus BIRD's and the kernel's work. */
const PROMISE_MS = 1000;
const POLL_MS = 10;
/** Bounds every wait: the sessions' start, a freeze without BFD (hold time 3 s), a node's return. */
const SETTLE_MS = 40_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Value = Record<string, any>;

function labSite(speaker: 'gobgp' | 'bird', bfd: boolean): Site {
  const v = exampleValue() as Value;
  v.bgp.speaker = speaker;
  v.bgp.bfd = { enabled: bfd, interval: '100ms', multiplier: 3 };
  v.nodes = (v.nodes as Value[]).filter((n) => !['rt-2', 'rr-2', 'l4-3'].includes(n.name as string));
  for (const n of v.nodes as Value[]) if (n.peers) n.peers = ['rr-1'];
  const { site, issues } = parseValue(v);
  if (!site) throw new Error(`test site is invalid: ${JSON.stringify(issues)}`);
  return site;
}

/** One lab: its namespaces (named after this process and the case) and its daemons. */
class FreezeLab {
  private readonly namespaces: string[] = [];
  private readonly daemons: ResultPromise[] = [];
  private readonly stopped = new Set<number>();

  constructor(private readonly tag: string, readonly site: Site) {}

  ns(node: string): string {
    return `${this.tag}-${node}`;
  }

  node(name: string): SiteNode {
    const n = nodeNamed(this.site, name);
    if (!n) throw new Error(`lab site has no node ${name}`);
    return n;
  }

  async start(): Promise<void> {
    const sw = this.ns('sw');
    await this.addNs(sw);
    await execa('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await execa('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    for (const [i, name] of NODES.entries()) {
      const ns = this.ns(name);
      const n = this.node(name);
      await this.addNs(ns);
      await execa('ip', ['-n', sw, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await execa('ip', ['-n', sw, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
      await execa('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await execa('ip', ['-n', ns, 'address', 'add', `${String(n.addresses.ipv4)}/24`, 'dev', 'eth0']);
      await execa('ip', ['-n', ns, 'address', 'add', `${String(n.addresses.ipv6)}/64`, 'dev', 'eth0', 'nodad']);
    }
    for (const name of NODES) this.startNode(name);
  }

  /** The daemons the agent would run, from the node's rendered files. */
  private startNode(name: string): void {
    const node = this.node(name);
    const dir = mkdtempSync(join(tmpdir(), `tierlb-${this.tag}-${name}-`));
    for (const f of renderEcmp(this.site, node).files) writeFileSync(join(dir, f.name), f.content);
    const bird = (conf: string, base: string): void =>
      this.spawn(name, 'bird', ['-f', '-c', join(dir, conf), '-s', join(dir, `${base}.ctl`), '-P', join(dir, `${base}.pid`)]);
    const gobgpd = (): void => this.spawn(name, 'gobgpd', ['-f', join(dir, 'gobgpd.toml'), '--api-hosts', '127.0.0.1:50051', '--pprof-disable']);
    if (node.role === 'router') return bird('bird.conf', 'bird');
    if (node.role === 'reflector') return gobgpd();
    if (this.site.bgp.speaker === 'bird') {
      writeFileSync(join(dir, 'bird-vips.conf'), renderBirdVips(this.site, node, Object.values(VIPS), { gracefulShutdown: false }));
      return bird('bird.conf', 'bird');
    }
    gobgpd();
    if (this.site.bgp.bfd.enabled) bird('bird-bfd.conf', 'bird-bfd');
  }

  private spawn(node: string, command: string, args: readonly string[]): void {
    this.daemons.push(execa('ip', ['netns', 'exec', this.ns(node), command, ...args], { reject: false, all: true }));
  }

  /** gobgp speakers announce through their API once it answers; BIRD speakers did from bird-vips.conf. */
  async announce(): Promise<void> {
    if (this.site.bgp.speaker !== 'gobgp') return;
    for (const l4 of ['l4-1', 'l4-2']) {
      const gobgp = (args: readonly string[]) => execa('ip', ['netns', 'exec', this.ns(l4), 'gobgp', ...args], { reject: false, timeout: 10_000 });
      await until(`${l4} gobgpd API`, async () => (await gobgp(['global'])).exitCode === 0, SETTLE_MS);
      for (const vip of Object.values(VIPS)) {
        const r = await gobgp(gobgpAnnounceArgs(this.site, this.node(l4), vip, { gracefulShutdown: false }) ?? ['--bogus']);
        expect(r.exitCode, r.stderr).toBe(0);
      }
    }
  }

  /** The router's kernel route to the family's VIP, as `ip route` prints it. */
  async route(family: Family): Promise<string> {
    return (await execa('ip', ['-n', this.ns('rt-1'), ...(family === 'ipv6' ? ['-6'] : []), 'route', 'show', VIPS[family]], { reject: false })).stdout;
  }

  /** Every process in the node's namespace: its speaker and, beside gobgpd, the BFD-only BIRD. */
  async signal(node: string, signal: 'SIGSTOP' | 'SIGCONT'): Promise<number[]> {
    const pids = (await execa('ip', ['netns', 'pids', this.ns(node)])).stdout.split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      process.kill(pid, signal);
      if (signal === 'SIGSTOP') this.stopped.add(pid);
      else this.stopped.delete(pid);
    }
    return pids;
  }

  async stop(): Promise<void> {
    // A stopped process would not act on SIGTERM.
    for (const pid of this.stopped) {
      try { process.kill(pid, 'SIGCONT'); } catch { /* gone already */ }
    }
    for (const d of this.daemons) d.kill('SIGTERM');
    const killLate = setTimeout(() => { for (const d of this.daemons) d.kill('SIGKILL'); }, 5000);
    await Promise.all(this.daemons);
    clearTimeout(killLate);
    for (const ns of this.namespaces.reverse()) await execa('ip', ['netns', 'del', ns], { reject: false });
  }

  private async addNs(ns: string): Promise<void> {
    await execa('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
}

async function until(what: string, probe: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const hasHop = (route: string, address: string): boolean => route.includes(`via ${address} `);
const bothHops = async (lab: FreezeLab): Promise<boolean> => {
  for (const f of FAMILIES) {
    const route = await lab.route(f);
    if (!hasHop(route, HOPS[f].frozen) || !hasHop(route, HOPS[f].other)) return false;
  }
  return true;
};

interface Timing {
  /** Per family: from SIGSTOP until the router's kernel route had lost the frozen node's next hop. */
  readonly goneMs: Record<Family, number>;
  /** From SIGCONT until both next hops were back in both families. */
  readonly backMs: number;
}

/** Brings the lab up with the VIPs on both next hops, freezes l4-1, and times the router's kernel routes losing it. */
async function freezeAndTime(lab: FreezeLab): Promise<Timing> {
  await lab.start();
  await lab.announce();
  await until('both next hops on the router', () => bothHops(lab), SETTLE_MS);
  // Let BFD sessions that came up with the routes settle on their negotiated intervals.
  await new Promise((r) => setTimeout(r, 1000));
  const frozen = await lab.signal(FROZEN, 'SIGSTOP');
  expect(frozen.length).toBeGreaterThan(0);
  const start = Date.now();
  const goneMs: Partial<Record<Family, number>> = {};
  await until(`${FROZEN} gone from the routes`, async () => {
    for (const f of FAMILIES) if (goneMs[f] === undefined && !hasHop(await lab.route(f), HOPS[f].frozen)) goneMs[f] = Date.now() - start;
    return FAMILIES.every((f) => goneMs[f] !== undefined);
  }, SETTLE_MS);
  for (const f of FAMILIES) expect(hasHop(await lab.route(f), HOPS[f].other), `${f}: the other node stays`).toBe(true);
  await lab.signal(FROZEN, 'SIGCONT');
  const backMs = await until(`${FROZEN} back in the routes`, () => bothHops(lab), SETTLE_MS);
  return { goneMs: goneMs as Record<Family, number>, backMs };
}

const said = (t: Timing): string => `out of the route after ${t.goneMs.ipv4} ms (IPv4), ${t.goneMs.ipv6} ms (IPv6); back ${t.backMs} ms after SIGCONT`;

const labs: FreezeLab[] = [];
const tagOf = (c: string): string => `tbf${process.pid % 10000}${c}`;

afterAll(async () => {
  for (const lab of labs) await lab.stop();
}, 60_000);

describe.each(['gobgp', 'bird'] as const)('a frozen L4 node with the %s speaker', (speaker) => {
  it(`leaves the router's multipath VIP route within ${PROMISE_MS} ms, and comes back once it runs again`, async () => {
    const lab = new FreezeLab(tagOf(speaker === 'gobgp' ? 'g' : 'b'), labSite(speaker, true));
    labs.push(lab);
    const t = await freezeAndTime(lab);
    console.log(`${speaker} speaker, BFD 100 ms x 3: frozen ${FROZEN} ${said(t)}`);
    for (const f of FAMILIES) expect(t.goneMs[f], f).toBeLessThanOrEqual(PROMISE_MS);
  }, 120_000);
});

describe('a frozen L4 node with the gobgp speaker and BFD off', () => {
  it('stays in the route until a hold time expires (for comparison)', async () => {
    const lab = new FreezeLab(tagOf('n'), labSite('gobgp', false));
    labs.push(lab);
    const t = await freezeAndTime(lab);
    console.log(`gobgp speaker, BFD off, hold time 3 s: frozen ${FROZEN} ${said(t)}`);
    for (const f of FAMILIES) expect(t.goneMs[f], f).toBeGreaterThan(PROMISE_MS);
  }, 120_000);
});
