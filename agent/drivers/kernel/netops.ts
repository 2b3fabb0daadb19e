// Applies NetOps (links, addresses, sysctls) to the kernel idempotently: read
// the kernel once, run only the commands whose effect is missing, and report
// every op as ok (already so), changed, or failed. One failure never stops
// the others: an L7 node without the ipip module has no tunl0, and its VIPs
// must still reach lo.
//
// Nothing is removed unless the caller says it was ours: addresses of the
// `previous` ops that the desired ops no longer hold (a VIP that left the
// site) are deleted. Links and sysctls are never undone: a stale dummy
// device holds nothing once its addresses are gone, and the value a sysctl
// had before tierlb set it is not known.
import { readFile, writeFile } from 'node:fs/promises';
import { canonicalIpv6, type IpAddress } from '../../../site/index.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { describeRun, type RunResult, type Runner } from '../../../tiers/common/runner.js';
import { runIpCommands, safeRun } from './ip-commands.js';

export type NetOpStatus = 'ok' | 'changed' | 'failed';

export interface NetOpResult {
  readonly op: NetOp;
  /** `ensure`: make the op true. `remove`: delete an address of `previous` that the desired ops dropped. */
  readonly action: 'ensure' | 'remove';
  readonly status: NetOpStatus;
  readonly error?: string;
}

type LinkOp = Extract<NetOp, { kind: 'link' }>;
type UpOp = Extract<NetOp, { kind: 'up' }>;
type AddressOp = Extract<NetOp, { kind: 'address' }>;
type SysctlOp = Extract<NetOp, { kind: 'sysctl' }>;

interface LinkState { readonly kind?: string; readonly mode?: string; up: boolean }

/** What `ip -d -j address show` said, updated as this apply changes things. */
interface Snapshot {
  readonly links: Map<string, LinkState>;
  /** `device address/prefix`, the address in canonical text. */
  readonly addresses: Set<string>;
}

type Read = { readonly ok: true; readonly snapshot: Snapshot } | { readonly ok: false; readonly error: string };

const READ_ARGS = ['-d', '-j', 'address', 'show'] as const;

/** Reads and writes kernel parameters: `sysctl` through the runner, or /proc/sys directly. */
export interface SysctlPort {
  read(key: string): Promise<RunResult>;
  write(key: string, value: string): Promise<RunResult>;
  /** The command an operator would type, for messages. */
  describe(key: string, value?: string): string;
}

/** `sysctl -n KEY`, `sysctl -w KEY=VALUE` through the runner (inside another namespace, say: netnsRunner). */
export function runnerSysctl(runner: Runner): SysctlPort {
  return {
    read: (key) => run(runner, 'sysctl', ['-n', key]),
    write: (key, value) => run(runner, 'sysctl', ['-w', `${key}=${value}`]),
    describe: (key, value) => `sysctl ${value === undefined ? `-n ${key}` : `-w ${key}=${value}`}`,
  };
}

/**
 * The files under /proc/sys of the agent's own network namespace, which is
 * all `sysctl` does, without a process per key (a key whose names hold a
 * slash, which sysctl reads as a dot inside a name, goes through `sysctl`).
 */
export function procSysctl(fallback: Runner, root = '/proc/sys'): SysctlPort {
  const viaSysctl = runnerSysctl(fallback);
  const file = (key: string): string => `${root}/${key.split('.').join('/')}`;
  const io = async (key: string, act: () => Promise<string>): Promise<RunResult> => {
    try {
      return { exitCode: 0, stdout: await act(), stderr: '' };
    } catch (err) {
      return { exitCode: 1, stdout: '', stderr: `${file(key)}: ${err instanceof Error ? err.message : String(err)}` };
    }
  };
  return {
    read: (key) => (key.includes('/') ? viaSysctl.read(key) : io(key, () => readFile(file(key), 'utf8'))),
    write: (key, value) => (key.includes('/') ? viaSysctl.write(key, value) : io(key, () => writeFile(file(key), value).then(() => ''))),
    describe: (key, value) => (key.includes('/') ? viaSysctl.describe(key, value) : value === undefined ? `read ${file(key)}` : `write ${value} to ${file(key)}`),
  };
}

/**
 * Makes the kernel hold every desired op, then deletes the addresses that
 * `previous` held and `desired` no longer does. Results in that order.
 * Sysctls go through `sysctl` on the runner unless another port is given;
 * the `ip` commands the listing shows are needed run together at the end
 * (ip-commands.ts), in the ops' order.
 */
export async function applyNetOps(runner: Runner, desired: readonly NetOp[], previous: readonly NetOp[] = [], sysctl: SysctlPort = runnerSysctl(runner)): Promise<NetOpResult[]> {
  const read = await readSnapshot(runner);
  const plan = new IpPlan();
  const decided: Decision[] = [];
  for (const op of desired) decided.push(await ensureOp(op, read, sysctl, plan));
  for (const op of droppedAddresses(desired, previous)) decided.push(removeAddress(op, read, plan));
  const outcomes = await runIpCommands(safeRun(runner), plan.commands);
  return decided.map((d) => {
    if (!('command' in d)) return d;
    const o = outcomes[d.command];
    return o?.ok ? { op: d.op, action: d.action, status: 'changed' } : failed(d.op, d.action, o?.error ?? 'not run');
  });
}

/** An op's result, or the `ip` command (an index into the plan) whose outcome is its result. */
type Decision = NetOpResult | { readonly op: NetOp; readonly action: NetOpResult['action']; readonly command: number };

/** The commands of one apply, each once: two ops asking for the same command share its outcome. */
class IpPlan {
  readonly commands: (readonly string[])[] = [];
  private readonly index = new Map<string, number>();

  add(op: NetOp, action: NetOpResult['action'], args: readonly string[]): Decision {
    const key = args.join(' ');
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.commands.push(args) - 1;
      this.index.set(key, i);
    }
    return { op, action, command: i };
  }
}

/** True when every result is `ok`: the kernel already matched and nothing was run. */
export function netOpsSettled(results: readonly NetOpResult[]): boolean {
  return results.every((r) => r.status === 'ok');
}

async function ensureOp(op: NetOp, read: Read, sysctl: SysctlPort, plan: IpPlan): Promise<Decision> {
  // Sysctls do not need the link listing, so a failed listing spares them.
  if (op.kind === 'sysctl') return ensureSysctl(sysctl, op);
  if (!read.ok) return failed(op, 'ensure', read.error);
  switch (op.kind) {
    case 'link':
      return ensureLink(op, read.snapshot, plan);
    case 'up':
      return ensureUp(op, read.snapshot, plan);
    case 'address':
      return ensureAddress(op, read.snapshot, plan);
  }
}

async function ensureSysctl(sysctl: SysctlPort, op: SysctlOp): Promise<NetOpResult> {
  const current = await sysctl.read(op.key);
  if (current.exitCode !== 0) return failed(op, 'ensure', describeFailure(sysctl.describe(op.key), current));
  if (sysctlValue(current.stdout) === sysctlValue(op.value)) return { op, action: 'ensure', status: 'ok' };
  const r = await sysctl.write(op.key, op.value);
  return r.exitCode === 0 ? { op, action: 'ensure', status: 'changed' } : failed(op, 'ensure', describeFailure(sysctl.describe(op.key, op.value), r));
}

/** describeRun's words for a sysctl, whichever way it was read or written. */
function describeFailure(what: string, r: RunResult): string {
  return `${what} exited ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim() || 'no output'}`;
}

function ensureLink(op: LinkOp, snap: Snapshot, plan: IpPlan): Decision {
  const link = snap.links.get(op.name);
  if (link) {
    const mismatch = linkMismatch(op, link);
    return mismatch ? failed(op, 'ensure', mismatch) : { op, action: 'ensure', status: 'ok' };
  }
  // The listing as the commands planned so far leave it, for the ops after this one.
  snap.links.set(op.name, { kind: op.type, ...(op.mode ? { mode: op.mode } : {}), up: false });
  return plan.add(op, 'ensure', ['link', 'add', op.name, 'type', op.type, ...(op.mode ? ['mode', op.mode] : [])]);
}

/** Why an existing link cannot stand for the op; left untouched, since it may not be ours. */
function linkMismatch(op: LinkOp, link: LinkState): string | undefined {
  if (link.kind !== op.type) return `link ${op.name}: expected type ${op.type}, got ${link.kind ?? 'none'}; left as it is`;
  if (op.mode && link.mode !== undefined && link.mode !== op.mode) return `link ${op.name}: expected mode ${op.mode}, got ${link.mode}; left as it is`;
  return undefined;
}

function ensureUp(op: UpOp, snap: Snapshot, plan: IpPlan): Decision {
  const link = snap.links.get(op.name);
  if (link?.up) return { op, action: 'ensure', status: 'ok' };
  // A device missing from the listing is still tried: `ip link set tunl0 up`
  // makes the kernel load the module that provides tunl0 where it can.
  snap.links.set(op.name, { ...(link ?? {}), up: true });
  return plan.add(op, 'ensure', ['link', 'set', op.name, 'up']);
}

function ensureAddress(op: AddressOp, snap: Snapshot, plan: IpPlan): Decision {
  const key = addressKey(op.device, op.address, op.prefixLength);
  if (snap.addresses.has(key)) return { op, action: 'ensure', status: 'ok' };
  snap.addresses.add(key);
  return plan.add(op, 'ensure', [...familyFlag(op.address), 'address', 'add', `${op.address}/${op.prefixLength}`, 'dev', op.device]);
}

function removeAddress(op: AddressOp, read: Read, plan: IpPlan): Decision {
  if (!read.ok) return failed(op, 'remove', read.error);
  const key = addressKey(op.device, op.address, op.prefixLength);
  if (!read.snapshot.addresses.has(key)) return { op, action: 'remove', status: 'ok' };
  read.snapshot.addresses.delete(key);
  return plan.add(op, 'remove', [...familyFlag(op.address), 'address', 'del', `${op.address}/${op.prefixLength}`, 'dev', op.device]);
}

/** Address ops of `previous` whose address is on that device in no desired op, whatever the prefix. */
function droppedAddresses(desired: readonly NetOp[], previous: readonly NetOp[]): AddressOp[] {
  const kept = new Set(desired.filter(isAddress).map((op) => `${op.device} ${canonical(op.address)}`));
  const seen = new Set<string>();
  return previous.filter(isAddress).filter((op) => {
    const key = `${op.device} ${canonical(op.address)}`;
    if (kept.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isAddress = (op: NetOp): op is AddressOp => op.kind === 'address';

const failed = (op: NetOp, action: NetOpResult['action'], error: string): NetOpResult => ({ op, action, status: 'failed', error });

/** A Runner should not throw; if one does, its error becomes this op's failure instead of ending the apply. */
async function run(runner: Runner, cmd: string, args: readonly string[]): Promise<RunResult> {
  try {
    return await runner(cmd, args);
  } catch (err) {
    return { exitCode: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) };
  }
}

async function readSnapshot(runner: Runner): Promise<Read> {
  const r = await run(runner, 'ip', READ_ARGS);
  if (r.exitCode !== 0) return { ok: false, error: `cannot read links and addresses: ${describeRun('ip', READ_ARGS, r)}` };
  try {
    return { ok: true, snapshot: parseSnapshot(r.stdout) };
  } catch (err) {
    return { ok: false, error: `cannot read links and addresses: expected the JSON of ip ${READ_ARGS.join(' ')}, got ${String(err)}` };
  }
}

interface IpLink {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly linkinfo?: { readonly info_kind?: string; readonly info_data?: { readonly proto?: string } };
  readonly addr_info?: readonly { readonly local?: string; readonly prefixlen?: number }[];
}

/** The links and addresses of `ip -d -j address show`; throws on anything else. */
function parseSnapshot(json: string): Snapshot {
  const links = JSON.parse(json) as IpLink[];
  if (!Array.isArray(links)) throw new Error('not a list of links');
  const snapshot: Snapshot = { links: new Map(), addresses: new Set() };
  for (const l of links) {
    const kind = l.linkinfo?.info_kind;
    const mode = l.linkinfo?.info_data?.proto;
    snapshot.links.set(l.ifname, { ...(kind ? { kind } : {}), ...(mode ? { mode } : {}), up: (l.flags ?? []).includes('UP') });
    for (const a of l.addr_info ?? []) {
      if (a.local !== undefined && a.prefixlen !== undefined) snapshot.addresses.add(addressKey(l.ifname, a.local, a.prefixlen));
    }
  }
  return snapshot;
}

function addressKey(device: string, address: string, prefixLength: number): string {
  return `${device} ${canonical(address)}/${prefixLength}`;
}

/** The kernel prints IPv6 its own way; both sides are compared in RFC 5952 form. */
function canonical(address: string): string {
  return address.includes(':') ? canonicalIpv6(address) : address;
}

/** `ip -6` as netOpsText writes it, so the commands run are the ones an operator reads. */
function familyFlag(address: IpAddress): string[] {
  return address.includes(':') ? ['-6'] : [];
}

/** Multi-value sysctls print tab-separated; a written value uses spaces. */
function sysctlValue(text: string): string {
  return text.trim().split(/\s+/).join(' ');
}
