// Runs inside the user-mode-linux kernel (see ipvs-netlink-uml.test.ts):
// a scripted sequence of IPVS changes, some through the netlink addon, some
// through ipvsadm, and after each step what the addon reads next to what
// ipvsadm prints. Writes steps.json to the shared folder given as argv[2];
// the test on the host compares. Not a test file itself: it needs IPVS.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { nodeNamed, type SiteNode } from '../../site/index.js';
import { applyIpvs } from '../../tiers/l4/apply.js';
import { opKey } from '../../tiers/l4/diff.js';
import { parseIpvsList } from '../../tiers/l4/kernel.js';
import { ipvsOpsText } from '../../tiers/l4/ops-text.js';
import { planIpvs } from '../../tiers/l4/plan.js';
import { describeService } from '../../tiers/l4/service-key.js';
import { IpvsNetlink, IpvsNetlinkError, type NetlinkOp, type NetlinkService, type NetlinkServiceKey } from '../../agent/drivers/ipvs/netlink-addon.js';
import { netlinkIpvsPort, schedulerFlagNames } from '../../agent/drivers/ipvs/netlink-port.js';
import { loadSite } from '../helpers/site.js';

export interface GuestStep {
  readonly name: string;
  /** The addon's table printed as `ipvsadm -S -n` lines, normalised (sorted) as ipvsadmSave. */
  readonly addonSave: string[];
  readonly ipvsadmSave: string[];
  /** Per destination: address, thresholds and counters from the addon, and from `ipvsadm -Ln --thresholds/--stats/--persistent-conn`. */
  readonly addonDetail: string[];
  readonly ipvsadmDetail: string[];
  /** The netlink port's read() and parseIpvsList(`ipvsadm -Ln --nosort`). */
  readonly portRead: unknown;
  readonly parsedList: unknown;
  readonly note?: unknown;
}

const share = process.argv[2] ?? '.';
const ipvsadm = (...args: string[]): string => execFileSync('ipvsadm', args, { encoding: 'utf8' });
const steps: GuestStep[] = [];
const handle = IpvsNetlink.open();
const port = netlinkIpvsPort(handle);

// ipvsadm -S sorts services and destinations (it refuses --nosort), so both
// sides are compared sorted: service blocks by their line, destinations
// within. The kernel order is compared through -Ln --nosort (parsedList).
function normalised(lines: readonly string[]): string[] {
  const blocks: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('-A')) blocks.push([l]);
    else blocks[blocks.length - 1]?.push(l);
  }
  return blocks.map(([head = '', ...dests]) => [head, ...dests.sort()]).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')).flat();
}

function ipvsadmSave(): string[] {
  return normalised(ipvsadm('-S', '-n').split('\n').filter((l) => l.trim() !== ''));
}

const hostPort = (a: string, p: number): string => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
const PROTO_OPT: Record<string, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const FWD_OPT: Record<string, string> = { tunnel: '-i', route: '-g', masq: '-m' };

/** What `ipvsadm -S -n` prints for this table, in kernel order (ipvsadm.c print_service_entry with FMT_RULE). */
function saveLines(services: readonly NetlinkService[]): string[] {
  const out: string[] = [];
  for (const s of services) {
    const id = s.fwmark !== 0 ? `-f ${s.fwmark}` : `${PROTO_OPT[String(s.protocol)]} ${hostPort(s.address, s.port)}`;
    let line = `-A ${id} -s ${s.scheduler}`;
    const flags = schedulerFlagNames(s.scheduler, s.flags);
    if (flags.length > 0) line += ` -b ${flags.join(',')}`;
    if (s.flags & 0x1) line += ` -p ${s.timeout}`;
    if (s.flags & 0x4) line += ' -o';
    out.push(line);
    for (const d of s.destinations) {
      let dl = `-a ${id} -r ${hostPort(d.address, d.port)} ${FWD_OPT[d.forwarding]} -w ${d.weight}`;
      if (d.forwarding === 'tunnel') dl += ` --tun-type ${d.tunType}`;
      out.push(dl);
    }
  }
  return out;
}

function addonDetail(services: readonly NetlinkService[]): string[] {
  return services.flatMap((s) => s.destinations.map((d) =>
    `${hostPort(d.address, d.port)} u=${d.upperThreshold} l=${d.lowerThreshold} active=${d.activeConns} inactive=${d.inactiveConns} persistent=${d.persistentConns} conns=${d.stats.conns} inpkts=${d.stats.inPackets} outpkts=${d.stats.outPackets} inbytes=${d.stats.inBytes} outbytes=${d.stats.outBytes}`));
}

/** The same facts from three ipvsadm listings, destination by destination in kernel order. */
function ipvsadmDetail(): string[] {
  const rows = (args: string[]): string[][] =>
    ipvsadm('-L', '-n', '--nosort', ...args).split('\n').filter((l) => /^\s+->\s+\S+:\d+/.test(l)).map((l) => l.trim().split(/\s+/).slice(1));
  const thresholds = rows(['--thresholds']); // addr uthreshold lthreshold active inactive
  const stats = rows(['--stats', '--exact']); // addr conns inpkts outpkts inbytes outbytes
  const persistent = rows(['--persistent-conn']); // addr weight persistconn activeconn inactconn
  return thresholds.map((t, i) => {
    const s = stats[i] ?? [];
    const p = persistent[i] ?? [];
    return `${t[0]} u=${t[1]} l=${t[2]} active=${t[3]} inactive=${t[4]} persistent=${p[2]} conns=${s[1]} inpkts=${s[2]} outpkts=${s[3]} inbytes=${s[4]} outbytes=${s[5]}`;
  });
}

async function snapshot(name: string, note?: unknown): Promise<void> {
  const services = await handle.list();
  steps.push({
    name, note,
    addonSave: normalised(saveLines(services)), ipvsadmSave: ipvsadmSave(),
    addonDetail: addonDetail(services), ipvsadmDetail: ipvsadmDetail(),
    portRead: await port.read(), parsedList: parseIpvsList(ipvsadm('-L', '-n', '--nosort')),
  });
}

async function addon(name: string, ops: NetlinkOp[]): Promise<void> {
  await handle.apply(ops);
  await snapshot(`addon: ${name}`);
}

async function byHand(name: string, ...args: string[]): Promise<void> {
  ipvsadm(...args);
  await snapshot(`ipvsadm ${args.join(' ')}: ${name}`);
}

const web: NetlinkServiceKey = { protocol: 'tcp', address: '198.51.100.10', port: 80 };
const web6: NetlinkServiceKey = { protocol: 'tcp', address: '2001:db8::10', port: 80 };
const api: NetlinkServiceKey = { protocol: 'tcp', address: '198.51.100.11', port: 443 };
const mark: NetlinkServiceKey = { fwmark: 42, family: 4 };
const tunnel = (address: string, p: number, weight: number, more = {}) => ({ address, port: p, forwarding: 'tunnel' as const, weight, ...more });

await snapshot('empty table');
await addon('v4 mh service, three tunnel destinations, one with weight 0', [
  { kind: 'add-service', service: { ...web, scheduler: 'mh', flags: 0 } },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.31', 80, 100) },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.32', 80, 100) },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.33', 80, 0) },
]);
await addon('v6 mh service with mh-port, ip6ip6 destinations', [
  { kind: 'add-service', service: { ...web6, scheduler: 'mh', flags: 0x10 } },
  { kind: 'add-destination', service: web6, destination: tunnel('fd00::31', 80, 100) },
  { kind: 'add-destination', service: web6, destination: tunnel('fd00::32', 80, 65535) },
]);
await addon('mh-fallback and mh-port, thresholds', [
  { kind: 'add-service', service: { ...api, scheduler: 'mh', flags: 0x18 } },
  { kind: 'add-destination', service: api, destination: tunnel('10.0.1.31', 443, 100, { upperThreshold: 1000, lowerThreshold: 800 }) },
  { kind: 'add-destination', service: api, destination: tunnel('10.0.1.34', 443, 1) },
]);
await addon('weights: drain to 0 and back from 0', [
  { kind: 'edit-destination', service: web, destination: tunnel('10.0.1.32', 80, 0) },
  { kind: 'edit-destination', service: web, destination: tunnel('10.0.1.33', 80, 50) },
]);
await addon('service flags changed: mh-port to mh-fallback', [{ kind: 'edit-service', service: { ...web6, scheduler: 'mh', flags: 0x8 } }]);
await addon('service flags cleared', [{ kind: 'edit-service', service: { ...api, scheduler: 'mh', flags: 0 } }]);
await addon('destination deleted', [{ kind: 'delete-destination', service: web, destination: { address: '10.0.1.31', port: 80 } }]);
await addon('fwmark service with a direct-routing destination, persistent', [
  { kind: 'add-service', service: { ...mark, scheduler: 'rr', flags: 0x1, timeout: 300 } },
  { kind: 'add-destination', service: mark, destination: { address: '10.0.1.35', port: 0, forwarding: 'route', weight: 3 } },
]);
await byHand('a destination added by hand', '-a', '-t', '198.51.100.10:80', '-r', '10.0.1.36:80', '-i', '-w', '7');
await byHand('a destination deleted by hand', '-d', '-t', '198.51.100.10:80', '-r', '10.0.1.32:80');
await byHand('flags set by hand', '-E', '-t', '198.51.100.11:443', '-s', 'mh', '-b', 'mh-port');
await byHand('a v6 service added by hand', '-A', '-t', '[2001:db8::11]:443', '-s', 'mh', '-b', 'mh-fallback,mh-port');
await byHand('a v6 destination added by hand', '-a', '-t', '[2001:db8::11]:443', '-r', '[fd00::33]:443', '-i', '-w', '0');
await addon('v6 service deleted', [{ kind: 'delete-service', service: web6 }]);
await addon('fwmark service deleted', [{ kind: 'delete-service', service: mark }]);

// Typed errors, and a batch that stops at its first failure.
const errors: unknown[] = [];
async function expectFailure(ops: NetlinkOp[]): Promise<void> {
  try {
    await handle.apply(ops);
    errors.push({ unexpected: 'applied' });
  } catch (err) {
    const e = err as IpvsNetlinkError;
    errors.push({ typed: err instanceof IpvsNetlinkError, message: e.message, errno: e.errno, code: e.code, op: e.op, target: e.target, index: e.index });
  }
}
await expectFailure([{ kind: 'add-destination', service: web, destination: tunnel('10.0.1.33', 80, 1) }]);
await expectFailure([{ kind: 'edit-destination', service: web, destination: tunnel('10.0.1.99', 80, 1) }]);
await expectFailure([{ kind: 'add-service', service: { ...web, scheduler: 'mh', flags: 0 } }]);
await expectFailure([{ kind: 'delete-service', service: { protocol: 'tcp', address: '198.51.100.99', port: 80 } }]);
await expectFailure([
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.40', 80, 1) },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.40', 80, 1) },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.41', 80, 1) },
]);
await snapshot('after the failing batch', errors);

// applyAll: packed, every operation attempted, each refusal reported.
const packed = await handle.applyAll([
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.42', 80, 1) },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.42', 80, 1) },
  { kind: 'add-destination', service: web, destination: tunnel('10.0.1.43', 80, 1) },
  { kind: 'edit-destination', service: web, destination: tunnel('10.0.1.99', 80, 1) },
]);
await snapshot('after a packed batch with two refusals', packed.failures.map((f) => ({ message: f.message, index: f.index })));
// The port: a refused add holds back the deletions after it.
const held = await port.apply([
  { op: 'add-destination', key: { protocol: 'tcp', vip: '198.51.100.10', port: 80 }, destination: { node: 'x', address: '10.0.1.43', port: 80, forwarding: 'tunnel', weight: 1 } as never },
  { op: 'delete-destination', key: { protocol: 'tcp', vip: '198.51.100.10', port: 80 }, address: '10.0.1.42', port: 80 },
]);
await snapshot('after a change set whose add was refused', held);
// ipvsadm -R, the reference, also goes on after a refused line.
execFileSync('ipvsadm', ['-R'], { input: '-a -t 198.51.100.10:80 -r 10.0.1.43:80 -i -w 1\n-a -t 198.51.100.10:80 -r 10.0.1.44:80 -i -w 1\n', stdio: ['pipe', 'ignore', 'ignore'] });
await snapshot('after ipvsadm -R with a refused first line');

// The L4 applier through the netlink port: the example site's plan from scratch, a drain, a hand-made drift.
const site = loadSite();
const l4 = nodeNamed(site, 'l4-1') as SiteNode;
ipvsadm('-C');
const full = await applyIpvs(port, planIpvs(site, l4));
await snapshot('applyIpvs: the example plan on an empty table', { kind: full.kind, applied: full.applied.length });
const drained = await applyIpvs(port, planIpvs(site, l4, new Map([['l7-2', 0]])));
await snapshot('applyIpvs: l7-2 drained', { kind: drained.kind, applied: drained.applied.map((o) => o.op) });
ipvsadm('-d', '-t', '198.51.100.1:80', '-r', '10.0.1.33:80');
await snapshot('ipvsadm -d by hand on a planned destination');
const repaired = await applyIpvs(port, planIpvs(site, l4, new Map([['l7-2', 0]])));
await snapshot('applyIpvs: repaired', { kind: repaired.kind, applied: repaired.applied.map((o) => o.op), reordered: repaired.kind === 'verified' ? repaired.reordered : [], orderDrift: repaired.kind === 'verified' ? repaired.orderDrift : [] });

// UDP services made by hand, one beside a planned TCP service on its VIP:port:
// applyIpvs deletes them as UDP and leaves the TCP one be; ipvsadm -R takes
// the same operation as ops text.
ipvsadm('-A', '-u', '198.51.100.1:80', '-s', 'rr');
ipvsadm('-A', '-u', '198.51.100.9:53', '-s', 'rr');
await snapshot('UDP services added by hand, one beside a planned TCP service');
const udpGone = await applyIpvs(port, planIpvs(site, l4, new Map([['l7-2', 0]])));
await snapshot('applyIpvs: UDP services deleted', { kind: udpGone.kind, applied: udpGone.applied.map((o) => `${o.op} ${describeService(opKey(o))}`).sort() });
ipvsadm('-A', '-u', '198.51.100.9:53', '-s', 'rr');
execFileSync('ipvsadm', ['-R'], { input: ipvsOpsText([{ op: 'delete-service', key: { protocol: 'udp', vip: '198.51.100.9', port: 53 } }]), stdio: ['pipe', 'ignore', 'inherit'] });
await snapshot('ipvsadm -R deleted a UDP service from the ops text');

// Counters: a local client's SYN to a VIP is scheduled and tunnelled (nobody answers).
execFileSync('bash', ['-c', 'timeout 2 bash -c "exec 3<>/dev/tcp/198.51.100.1/80" || true'], { stdio: 'ignore' });
// The client is gone; wait until the counters hold still, so both readers see the same.
countersStill();
await snapshot('after a connection attempt to 198.51.100.1:80');

// Two services with the same L7 nodes, one with l7-2 added last (as on an L4
// node that learnt of it late): which L7 node each of 200 client addresses
// gets on each, from the kernel's connection table, before and after applyIpvs
// moves the destinations back into Maglev order.
const wanted = planIpvs(site, l4);
ipvsadm('-C');
await applyIpvs(port, wanted);
ipvsadm('-d', '-t', '198.51.100.2:80', '-r', '10.0.1.32:80');
ipvsadm('-a', '-t', '198.51.100.2:80', '-r', '10.0.1.32:80', '-i', '-w', '100');
await snapshot('l7-2 added last on 198.51.100.2:80 by hand');
const lateOrder = await probeBoth(1);
countersStill();
const reordered = await applyIpvs(port, wanted);
await snapshot('applyIpvs: back in Maglev order', { kind: reordered.kind, applied: reordered.applied.map((o) => o.op), reordered: reordered.kind === 'verified' ? reordered.reordered : [] });
const inOrder = await probeBoth(2);
countersStill();
await snapshot('clients scheduled to different L7 nodes by the two services', { before: lateOrder, after: inOrder });

/**
 * Waits (bounded) until the counters hold still. The kernel folds its per-CPU
 * counters into what it reports on the rate estimator's 2 s tick, so "still"
 * means the same over more than one tick.
 */
function countersStill(): void {
  for (let i = 0, before = ''; i < 6; i++) {
    const now = ipvsadm('-L', '-n', '--stats', '--exact');
    if (now === before) return;
    before = now;
    execFileSync('sleep', ['2.5']);
  }
}

/**
 * SYNs from 1000 client addresses to 198.51.100.1:80 and .2:80 (nobody
 * answers); for how many clients the two services chose different real
 * servers. Another order changes a few slots of the 251 (about 2% for 4
 * destinations), so it takes many clients to see it.
 */
async function probeBoth(round: number): Promise<{ clients: number; differ: number; unseen: number; order: string[] }> {
  const clients = Array.from({ length: 1000 }, (_, i) => `10.9.${round * 4 + Math.floor(i / 250)}.${(i % 250) + 1}`);
  execFileSync('ip', ['-batch', '-'], { input: clients.map((c) => `address add ${c}/32 dev lo`).join('\n') });
  await Promise.all(clients.flatMap((c) => ['198.51.100.1', '198.51.100.2'].map((vip) => new Promise<void>((done) => {
    const sock = connect({ host: vip, port: 80, localAddress: c });
    sock.on('error', () => undefined);
    setTimeout(() => { sock.destroy(); done(); }, 300);
  }))));
  // ipvsadm -Lnc: "TCP 00:59 SYN_RECV CLIENT:PORT VIP:PORT DEST:PORT".
  const chosen = new Map<string, string>();
  for (const line of ipvsadm('-L', '-n', '-c').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !clients.includes((f[3] ?? '').split(':')[0] ?? '')) continue;
    chosen.set(`${(f[3] ?? '').split(':')[0]} ${(f[4] ?? '').split(':')[0]}`, (f[5] ?? '').split(':')[0] ?? '');
  }
  let differ = 0;
  let unseen = 0;
  for (const c of clients) {
    const [a, b] = [chosen.get(`${c} 198.51.100.1`), chosen.get(`${c} 198.51.100.2`)];
    if (a === undefined || b === undefined) unseen++;
    else if (a !== b) differ++;
  }
  const second = (await port.read()).find((x) => x.vip === '198.51.100.2' && x.port === 80);
  return { clients: clients.length, differ, unseen, order: second?.destinations.map((d) => d.address) ?? [] };
}

writeFileSync(join(share, 'steps.json'), JSON.stringify(steps, null, 1));
console.log(`guest: ${steps.length} steps`);
