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
import { canonicalIpv6, type IpAddress } from '../../../site/index.js';
import type { NetOp } from '../../../tiers/common/files.js';
import { describeRun, type RunResult, type Runner } from '../../../tiers/common/runner.js';

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

/**
 * Makes the kernel hold every desired op, then deletes the addresses that
 * `previous` held and `desired` no longer does. Results in that order.
 */
export async function applyNetOps(runner: Runner, desired: readonly NetOp[], previous: readonly NetOp[] = []): Promise<NetOpResult[]> {
  const read = await readSnapshot(runner);
  const results: NetOpResult[] = [];
  for (const op of desired) results.push(await ensureOp(runner, op, read));
  for (const op of droppedAddresses(desired, previous)) results.push(await removeAddress(runner, op, read));
  return results;
}

/** True when every result is `ok`: the kernel already matched and nothing was run. */
export function netOpsSettled(results: readonly NetOpResult[]): boolean {
  return results.every((r) => r.status === 'ok');
}

function ensureOp(runner: Runner, op: NetOp, read: Read): Promise<NetOpResult> {
  // Sysctls do not need the link listing, so a failed listing spares them.
  if (op.kind === 'sysctl') return ensureSysctl(runner, op);
  if (!read.ok) return Promise.resolve(failed(op, 'ensure', read.error));
  switch (op.kind) {
    case 'link':
      return ensureLink(runner, op, read.snapshot);
    case 'up':
      return ensureUp(runner, op, read.snapshot);
    case 'address':
      return ensureAddress(runner, op, read.snapshot);
  }
}

async function ensureSysctl(runner: Runner, op: SysctlOp): Promise<NetOpResult> {
  const current = await run(runner, 'sysctl', ['-n', op.key]);
  if (current.exitCode !== 0) return failed(op, 'ensure', describeRun('sysctl', ['-n', op.key], current));
  if (sysctlValue(current.stdout) === sysctlValue(op.value)) return { op, action: 'ensure', status: 'ok' };
  return outcome(op, 'ensure', runner, 'sysctl', ['-w', `${op.key}=${op.value}`]);
}

async function ensureLink(runner: Runner, op: LinkOp, snap: Snapshot): Promise<NetOpResult> {
  const link = snap.links.get(op.name);
  if (link) {
    const mismatch = linkMismatch(op, link);
    return mismatch ? failed(op, 'ensure', mismatch) : { op, action: 'ensure', status: 'ok' };
  }
  const r = await outcome(op, 'ensure', runner, 'ip', ['link', 'add', op.name, 'type', op.type, ...(op.mode ? ['mode', op.mode] : [])]);
  if (r.status === 'changed') snap.links.set(op.name, { kind: op.type, ...(op.mode ? { mode: op.mode } : {}), up: false });
  return r;
}

/** Why an existing link cannot stand for the op; left untouched, since it may not be ours. */
function linkMismatch(op: LinkOp, link: LinkState): string | undefined {
  if (link.kind !== op.type) return `link ${op.name}: expected type ${op.type}, got ${link.kind ?? 'none'}; left as it is`;
  if (op.mode && link.mode !== undefined && link.mode !== op.mode) return `link ${op.name}: expected mode ${op.mode}, got ${link.mode}; left as it is`;
  return undefined;
}

async function ensureUp(runner: Runner, op: UpOp, snap: Snapshot): Promise<NetOpResult> {
  const link = snap.links.get(op.name);
  if (link?.up) return { op, action: 'ensure', status: 'ok' };
  // A device missing from the listing is still tried: `ip link set tunl0 up`
  // makes the kernel load the module that provides tunl0 where it can.
  const r = await outcome(op, 'ensure', runner, 'ip', ['link', 'set', op.name, 'up']);
  if (r.status === 'changed') snap.links.set(op.name, { ...(link ?? {}), up: true });
  return r;
}

async function ensureAddress(runner: Runner, op: AddressOp, snap: Snapshot): Promise<NetOpResult> {
  const key = addressKey(op.device, op.address, op.prefixLength);
  if (snap.addresses.has(key)) return { op, action: 'ensure', status: 'ok' };
  const r = await outcome(op, 'ensure', runner, 'ip', [...familyFlag(op.address), 'address', 'add', `${op.address}/${op.prefixLength}`, 'dev', op.device]);
  if (r.status === 'changed') snap.addresses.add(key);
  return r;
}

async function removeAddress(runner: Runner, op: AddressOp, read: Read): Promise<NetOpResult> {
  if (!read.ok) return failed(op, 'remove', read.error);
  const key = addressKey(op.device, op.address, op.prefixLength);
  if (!read.snapshot.addresses.has(key)) return { op, action: 'remove', status: 'ok' };
  const r = await outcome(op, 'remove', runner, 'ip', [...familyFlag(op.address), 'address', 'del', `${op.address}/${op.prefixLength}`, 'dev', op.device]);
  if (r.status === 'changed') read.snapshot.addresses.delete(key);
  return r;
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

async function outcome(op: NetOp, action: NetOpResult['action'], runner: Runner, cmd: string, args: readonly string[]): Promise<NetOpResult> {
  const r = await run(runner, cmd, args);
  return r.exitCode === 0 ? { op, action, status: 'changed' } : failed(op, action, describeRun(cmd, args, r));
}

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
