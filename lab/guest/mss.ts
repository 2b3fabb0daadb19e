// The L7 nodes' MSS clamp, end to end. Every router drops the ICMP
// "fragmentation needed" (IPv4) and "packet too big" (IPv6) it forwards, as
// a filtering network on the way back to users often does; those are what
// an L4 node answers a user's segment with when the segment no longer fits
// the underlay once wrapped in IPIP (ip6ip6). Then, from the users, a 1 MB
// upload and a 1 MB download through a VIP over IPv4 and IPv6, with a
// capture of the SYN-ACKs on the users' device, three times: clamp on (the
// site's default: everything completes, the SYN-ACKs offer the clamped MSS),
// clamp off by a live edit of every node's site file (uploads stall; the
// downloads, which the L7 node answers directly, are reported as they are),
// clamp on again (uploads complete). Every command and wait is bounded; the
// drops and the site file are put back whatever happens.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { nodeNamed, nodesWithRole, type Family, type Service } from '../../site/index.js';
import { tunnelMss } from '../../tiers/l7/mss.js';
import { familyOfText } from '../addr.js';
import { USERS_NS } from '../topology.js';
import { agentLines } from './agent-log.js';
import { blocked, type Check } from './bringup.js';
import { inNode, progress, sleep, until, type LabEnv } from './env.js';
import { readNodeSite, writeEveryNodeSite } from './node-site.js';
import { withMssClamp } from './site-edits.js';

const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];
const SIZE = 1024 * 1024;
/** curl's bound for a transfer that should complete (about 0.01 s in the lab kernel when it does), and for one that should stall. */
const DONE_S = 20;
const STALL_S = 8;
/** The lab's links are veths of the default MTU: the MSS a SYN-ACK offers unclamped. */
const LAB_MTU = 1500;
/** An edit of every node's site reaches every L7 node's maps within this, in the busy one-CPU lab kernel. */
const EDIT_MS = 60000;
const CAPTURE_READY_MS = 20000;

// ---- What the tools print (pure) ----

export interface SynAck { readonly family: Family; readonly from: string; readonly to: string; readonly mss: number | undefined }

/**
 * The SYN-ACKs in `tcpdump -nn -v` output: IPv4 packets take two lines (the
 * IP header's, then an indented one with the addresses and TCP options),
 * IPv6 packets one; other packets and lines left out.
 */
export function parseSynAcks(text: string): SynAck[] {
  const packets: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s/.test(line) && packets.length > 0) packets[packets.length - 1] += ` ${line.trim()}`;
    else if (line.trim() !== '') packets.push(line);
  }
  return packets.flatMap((p) => {
    const family = /^\S+ IP6 /.test(p) ? 'ipv6' : /^\S+ IP /.test(p) ? 'ipv4' : undefined;
    const m = /(\S+)\.\d+ > (\S+)\.\d+: Flags \[([^\]]*)\]/.exec(p);
    if (!family || !m?.[1] || !m[2] || m[3] !== 'S.') return [];
    const mss = /options \[[^\]]*\bmss (\d+)/.exec(p)?.[1];
    return [{ family, from: m[1], to: m[2], mss: mss === undefined ? undefined : Number(mss) }];
  });
}

export interface CurlFigures { readonly status: number; readonly uploaded: number; readonly downloaded: number; readonly seconds: number; readonly received: number | undefined }

/** curl's `-w` line (CURL_WRITE) and the sink's `received=N` answer, if it came. */
export function parseCurl(stdout: string): CurlFigures | undefined {
  const m = /^curl: (\d+) (\d+) (\d+) ([\d.]+)$/m.exec(stdout);
  if (!m) return undefined;
  const received = /^received=(\d+)$/m.exec(stdout)?.[1];
  return { status: Number(m[1]), uploaded: Number(m[2]), downloaded: Number(m[3]), seconds: Number(m[4]), received: received === undefined ? undefined : Number(received) };
}

/** `ss -tinH`: the bytes the peer acknowledged on the socket from `local` (ss leaves out bytes_acked while it is 0); undefined without such a socket. */
export function bytesAcked(text: string, local: string): number | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => !/^\s/.test(l) && (l.includes(` ${local}:`) || l.includes(`[${local}]:`)));
  if (at < 0) return undefined;
  const info = lines.slice(at + 1).find((l) => /^\s/.test(l)) ?? '';
  return Number(/\bbytes_acked:(\d+)/.exec(info)?.[1] ?? 0);
}

/** The packets the DROP rules of `iptables -L -nvx` counted. */
export const droppedPackets = (text: string): number =>
  text.split('\n').map((l) => /^\s*(\d+)\s+\d+\s+DROP\b/.exec(l)?.[1]).reduce((sum: number, n) => sum + Number(n ?? 0), 0);

// ---- The scene ----

interface Scene {
  readonly service: Service;
  readonly port: number;
  readonly vips: Readonly<Record<Family, string>>;
  /** A user address per family: transfers from one address, so the capture is theirs. */
  readonly users: Readonly<Record<Family, string>>;
  readonly routers: readonly string[];
  readonly l7: readonly string[];
  readonly mss: Readonly<Record<Family, number>>;
  /** The file of SIZE bytes the uploads send. */
  readonly upload: string;
}

function sceneOf(env: LabEnv): Scene | undefined {
  const service = env.site.services.find((s) => s.l7.mode === 'http' && FAMILIES.every((f) => s.vips.some((v) => familyOfText(v) === f)));
  const vip = (f: Family): string => String(service?.vips.find((v) => familyOfText(v) === f) ?? '');
  const users = { ipv4: env.topology.clients.ipv4.at(-1), ipv6: env.topology.clients.ipv6.at(-1) };
  if (!service || !users.ipv4 || !users.ipv6) return undefined;
  return {
    service, port: Number(service.ports[0]), vips: { ipv4: vip('ipv4'), ipv6: vip('ipv6') }, users: { ipv4: users.ipv4, ipv6: users.ipv6 },
    routers: nodesWithRole(env.site, 'router').map((n) => n.name), l7: [...service.l7.nodes].map(String),
    mss: { ipv4: tunnelMss(env.site.l7.underlayMtu, 'ipv4'), ipv6: tunnelMss(env.site.l7.underlayMtu, 'ipv6') },
    upload: `${env.stateDir}/mss-upload`,
  };
}

const unclamped = (f: Family): number => LAB_MTU - (f === 'ipv4' ? 40 : 60);
const hostOf = (f: Family, vip: string): string => (f === 'ipv6' ? `[${vip}]` : vip);

// ---- The routers' drops ----

const DROPS: readonly (readonly string[])[] = [
  ['iptables-legacy', '-w', '5', 'FORWARD', '-p', 'icmp', '--icmp-type', 'fragmentation-needed', '-j', 'DROP'],
  ['ip6tables-legacy', '-w', '5', 'FORWARD', '-p', 'ipv6-icmp', '--icmpv6-type', 'packet-too-big', '-j', 'DROP'],
];
const ruleCmd = (rule: readonly string[], op: '-I' | '-D'): [string, string[]] => [rule[0] ?? '', [...rule.slice(1, 3), op, ...rule.slice(3)]];

async function addDrops(env: LabEnv, routers: readonly string[]): Promise<void> {
  for (const rt of routers) {
    for (const rule of DROPS) {
      const [cmd, args] = ruleCmd(rule, '-I');
      progress(env, `  ${rt}# ${cmd} ${args.join(' ')}`);
      const r = await inNode(env, rt, cmd, args, 20000);
      if (r.code !== 0) throw new Error(`${rt}# ${cmd} ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
    }
  }
}

/** Every copy of the rules out (a rule added twice is deleted twice; at most a few tries). */
async function removeDrops(env: LabEnv, routers: readonly string[]): Promise<void> {
  for (const rt of routers) {
    for (const rule of DROPS) {
      const [cmd, args] = ruleCmd(rule, '-D');
      for (let i = 0; i < 4 && (await inNode(env, rt, cmd, args, 20000)).code === 0; i++);
    }
  }
  progress(env, `  drops removed on ${routers.join(', ')}`);
}

/** ICMP dropped since the rules went in, per router: "rt-1 3+2" (IPv4 fragmentation needed + IPv6 packet too big). */
async function dropCounts(env: LabEnv, routers: readonly string[]): Promise<string> {
  const per = await Promise.all(routers.map(async (rt) => {
    const [v4, v6] = await Promise.all(DROPS.map((rule) => inNode(env, rt, rule[0] ?? '', ['-w', '5', '-L', 'FORWARD', '-nvx'], 20000)));
    return `${rt} ${droppedPackets(v4?.stdout ?? '')}+${droppedPackets(v6?.stdout ?? '')}`;
  }));
  return per.join(', ');
}

// ---- The users' side ----

/** tcpdump on the users' device while `during` runs: what it printed of the SYN-ACKs from the scene's VIPs. Bounded by -c, timeout and a kill. */
async function capturing<T>(env: LabEnv, s: Scene, during: () => Promise<T>): Promise<{ value: T; text: string; problem?: string }> {
  const dev = env.topology.pairs.find((p) => p.b.ns === USERS_NS)?.b.dev ?? 'eth0';
  // tcp[] reads IPv4 only: the IPv6 flags byte is read at its offset behind a header without extensions.
  const filter = `src port ${s.port} and ((src host ${s.vips.ipv4} and tcp[13] & 0x12 == 0x12) or (src host ${s.vips.ipv6} and ip6[6] == 6 and ip6[53] & 0x12 == 0x12))`;
  const child = spawn('nsenter', [`--net=/run/netns/${env.prefix}${USERS_NS}`, '--', 'timeout', '180', 'tcpdump', '-i', dev, '-nn', '-v', '-l', '-c', '64', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let err = '';
  const closed = new Promise<void>((resolve) => { child.on('close', () => resolve()); child.on('error', (e) => { err += e.message; resolve(); }); });
  child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  await until(CAPTURE_READY_MS, () => Promise.resolve(/listening on/.test(err) || child.exitCode !== null ? true : undefined), 100);
  const problem = /listening on/.test(err) ? undefined : `tcpdump did not start within ${CAPTURE_READY_MS / 1000} s: ${err.trim().slice(0, 200)}`;
  if (problem) progress(env, `  ${problem}`);
  let value: T;
  try {
    value = await during();
  } finally {
    // The last SYN-ACK printed (-l: a line per packet), then tcpdump stopped.
    await sleep(500);
    child.kill('SIGINT');
    if (!(await Promise.race([closed.then(() => true), sleep(5000).then(() => false)]))) child.kill('SIGKILL');
    await Promise.race([closed, sleep(2000)]);
  }
  return { value, text, ...(problem ? { problem } : {}) };
}

interface Transfer { readonly kind: 'upload' | 'download'; readonly family: Family; readonly exit: number; readonly figures: CurlFigures | undefined; readonly acked?: number | undefined }

const CURL_WRITE = '\ncurl: %{http_code} %{size_upload} %{size_download} %{time_total}\n';

async function transfer(env: LabEnv, s: Scene, family: Family, kind: Transfer['kind'], maxS: number, watchStall: boolean): Promise<Transfer> {
  const base = `http://${hostOf(family, s.vips[family])}:${s.port}`;
  const how = kind === 'upload'
    ? ['-H', 'Expect:', '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${s.upload}`, `${base}/sink`]
    : ['-o', '/dev/null', `${base}/bytes?n=${SIZE}`];
  const curl = inNode(env, USERS_NS, 'curl', ['-sS', '--interface', s.users[family], '--max-time', String(maxS), '-w', CURL_WRITE, ...how], (maxS + 15) * 1000);
  // While a stalled upload still waits: what the VIP acknowledged of it.
  const acked = watchStall
    ? sleep((maxS - 2) * 1000).then(async () => bytesAcked((await inNode(env, USERS_NS, 'ss', ['-tinH'])).stdout, s.users[family]))
    : Promise.resolve(undefined);
  const [r, a] = await Promise.all([curl, acked]);
  return { kind, family, exit: r.code, figures: parseCurl(r.stdout), ...(watchStall ? { acked: a } : {}) };
}

const completed = (t: Transfer): boolean => t.exit === 0 && t.figures?.status === 200 && (t.kind === 'upload' ? t.figures.received === SIZE : t.figures.downloaded === SIZE);
const stalled = (t: Transfer): boolean => t.exit === 28 && t.figures?.received === undefined;

function transferText(t: Transfer): string {
  const f = t.figures;
  const what = `${t.family} ${t.kind}`;
  if (completed(t)) return `${what} ${SIZE} bytes in ${f?.seconds.toFixed(3)} s`;
  const acked = t.acked === undefined ? '' : `, bytes_acked ${t.acked} at ${STALL_S - 2} s`;
  const server = f?.received === undefined ? 'no answer from the server' : `the server received ${f.received}`;
  return `${what} ${t.exit === 28 ? 'stalled' : `failed (curl exit ${t.exit}, HTTP ${f?.status ?? '-'})`} after ${f?.seconds.toFixed(1) ?? '?'} s: ${t.kind === 'upload' ? `${f?.uploaded ?? 0} bytes handed to the socket${acked}, ${server}` : `${f?.downloaded ?? 0} bytes received`}`;
}

interface Round { readonly transfers: readonly Transfer[]; readonly mss: Readonly<Record<Family, readonly number[]>>; readonly problem?: string }

/** The transfers of a round, the families at once (each an upload then, unless `uploadsOnly`, a download), under one capture. */
async function round(env: LabEnv, s: Scene, uploadS: number, uploadsOnly = false): Promise<Round> {
  const stall = uploadS === STALL_S;
  const c = await capturing(env, s, async () => (await Promise.all(FAMILIES.map(async (f) => {
    const up = await transfer(env, s, f, 'upload', uploadS, stall);
    return uploadsOnly ? [up] : [up, await transfer(env, s, f, 'download', DONE_S, false)];
  }))).flat());
  const synAcks = parseSynAcks(c.text);
  const mss = Object.fromEntries(FAMILIES.map((f) => [f, [...new Set(synAcks.filter((a) => a.family === f && a.to === s.users[f]).map((a) => a.mss ?? 0))]])) as Record<Family, number[]>;
  for (const t of c.value) progress(env, `  ${transferText(t)}`);
  progress(env, `  SYN-ACK MSS seen by the users: ${FAMILIES.map((f) => `${f} ${mss[f].join('/') || 'none captured'}`).join(', ')}`);
  return { transfers: c.value, mss, ...(c.problem ? { problem: c.problem } : {}) };
}

// ---- The clamp on every L7 node ----

const sameMss = (v: unknown, m: Readonly<Record<Family, number>>): boolean =>
  typeof v === 'object' && v !== null && (v as Record<string, unknown>).ipv4 === m.ipv4 && (v as Record<string, unknown>).ipv6 === m.ipv6;

/** The status line of `node`'s MSS clamp, read from its agent's status endpoint. */
async function clampNote(env: LabEnv, node: string): Promise<string> {
  const listen = nodeNamed(env.site, node)?.agent.listen;
  if (!listen) return 'no such node';
  const r = await inNode(env, node, 'curl', ['-sS', '--max-time', '5', `http://${hostOf(familyOfText(listen.address), listen.address)}:${listen.port}/status`]);
  try {
    return ((JSON.parse(r.stdout) as { notes?: string[] }).notes ?? []).find((n) => n.startsWith('MSS clamp:')) ?? 'no MSS clamp note';
  } catch {
    return `status unreadable (curl exit ${r.code})`;
  }
}

/** Every L7 node wrote `mss` into its maps after `since` (its log) and its status says so; the time each took. */
async function clampApplied(env: LabEnv, s: Scene, since: number, mss: Readonly<Record<Family, number>>): Promise<{ ok: boolean; detail: string }> {
  const r = await until(EDIT_MS, () => {
    const at = s.l7.map((n) => agentLines(env, n, since).find((l) => l.msg === 'MSS clamp maps written' && sameMss(l.fields.mss, mss))?.at);
    return Promise.resolve(at.every((x) => x !== undefined) ? at : undefined);
  }, 500);
  const off = mss.ipv4 === 0 && mss.ipv6 === 0;
  const notes = await Promise.all(s.l7.map((n) => clampNote(env, n)));
  const noted = notes.every((n) => (off ? n.startsWith('MSS clamp: off in the site file') : n.includes(`MSS ${mss.ipv4} (IPv4) / ${mss.ipv6} (IPv6)`)));
  const times = r.value ? s.l7.map((n, i) => `${n} ${(((r.value?.[i] ?? since) - since) / 1000).toFixed(1)} s`).join(', ') : `not every L7 node within ${EDIT_MS / 1000} s`;
  const detail = `maps written: ${times}; status: ${[...new Set(notes)].join(' | ')}`;
  progress(env, `  ${detail}`);
  return { ok: r.value !== undefined && noted, detail };
}

// ---- The check ----

const mssText = (r: Round): string => FAMILIES.map((f) => `${f} ${r.mss[f].join('/') || 'none'}`).join(', ');

function onVerdict(s: Scene, r: Round): { ok: boolean; detail: string } {
  const mssOk = FAMILIES.every((f) => r.mss[f].length > 0 && r.mss[f].every((m) => m === s.mss[f]));
  const ok = r.transfers.length === 4 && r.transfers.every(completed) && mssOk;
  return { ok, detail: `${r.transfers.map(transferText).join('; ')}; SYN-ACK MSS ${mssText(r)} (expected ${s.mss.ipv4}/${s.mss.ipv6})${r.problem ? `; ${r.problem}` : ''}` };
}

async function clampOff(env: LabEnv, s: Scene, text: string): Promise<Check> {
  const name = `MSS clamp off by a live edit of every node's site file: the 1 MB uploads stall (IPv4, IPv6; downloads reported)`;
  progress(env, 'mss: clamp off in every node\'s site file');
  const at = writeEveryNodeSite(env, withMssClamp(text, false));
  const applied = await clampApplied(env, s, at.first, { ipv4: 0, ipv6: 0 });
  if (!applied.ok) return { name, ok: false, detail: `the edit was not applied everywhere: ${applied.detail}` };
  const r = await round(env, s, STALL_S);
  const ups = r.transfers.filter((t) => t.kind === 'upload');
  const downs = r.transfers.filter((t) => t.kind === 'download');
  progress(env, `  downloads without the clamp: ${downs.every(completed) ? 'complete, as expected (the L7 node answers users directly, unencapsulated)' : 'not all complete'}; unclamped MSS would be ${unclamped('ipv4')}/${unclamped('ipv6')}`);
  const dropped = await dropCounts(env, s.routers);
  progress(env, `  ICMP dropped by the routers so far (IPv4 + IPv6): ${dropped}`);
  return { name, ok: ups.length === 2 && ups.every(stalled), detail: `${r.transfers.map(transferText).join('; ')}; SYN-ACK MSS ${mssText(r)}; ICMP dropped: ${dropped}` };
}

async function clampBack(env: LabEnv, s: Scene, text: string): Promise<Check> {
  const name = 'MSS clamp on again by a live edit: the 1 MB uploads complete again';
  progress(env, 'mss: clamp on again (the site file as it was)');
  const at = writeEveryNodeSite(env, text);
  const applied = await clampApplied(env, s, at.first, s.mss);
  if (!applied.ok) return { name, ok: false, detail: `the edit was not applied everywhere: ${applied.detail}` };
  const r = await round(env, s, DONE_S, true);
  return { name, ok: r.transfers.length === 2 && r.transfers.every(completed), detail: `${r.transfers.map(transferText).join('; ')}; SYN-ACK MSS ${mssText(r)}` };
}

export async function mssClamp(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const s = sceneOf(env);
  const name = 'MSS clamp on (ICMP too-big dropped on every router): 1 MB up and down through a VIP, IPv4 and IPv6, complete; SYN-ACKs offer the clamped MSS';
  if (!s) return [{ name, ok: false, detail: 'the site has no http service with an IPv4 and an IPv6 VIP' }];
  const b = blocked(name, [...s.routers, ...s.l7, ...nodesWithRole(env.site, 'l4').map((n) => n.name)], up);
  if (b) return [b];
  progress(env, `mss: ICMP "fragmentation needed" and "packet too big" dropped on ${s.routers.join(', ')}; 1 MB up and down from ${s.users.ipv4} and ${s.users.ipv6} through http://${s.vips.ipv4}:${s.port} and http://[${s.vips.ipv6}]:${s.port}`);
  const text = readNodeSite(env, s.l7[0] ?? '');
  const checks: Check[] = [];
  try {
    writeFileSync(s.upload, Buffer.alloc(SIZE, 120));
    const notes = await Promise.all(s.l7.map((n) => clampNote(env, n)));
    progress(env, `  ${[...new Set(notes)].join(' | ')}`);
    await addDrops(env, s.routers);
    const on = onVerdict(s, await round(env, s, DONE_S));
    const dropped = await dropCounts(env, s.routers);
    progress(env, `  ICMP dropped by the routers (IPv4 + IPv6): ${dropped}`);
    checks.push({ name, ok: on.ok, detail: `${on.detail}; ICMP dropped: ${dropped}` });
    checks.push(await clampOff(env, s, text));
    checks.push(await clampBack(env, s, text));
  } catch (e) {
    checks.push({ name, ok: false, detail: (e as Error).message });
  } finally {
    writeEveryNodeSite(env, text);
    await removeDrops(env, s.routers);
  }
  return checks;
}
