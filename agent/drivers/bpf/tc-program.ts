// What every data-path program of ours needs from the tools Debian ships:
// its compiled object, the device that holds an address, `tc` to attach it
// at a device's egress (clsact, direct action; tc pins the maps that ask for
// it by name under its folder of the bpffs), and `bpftool` to write and read
// those maps. Every argument is built here from validated addresses and
// numbers.
import { existsSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { expandIpv6 } from '../../../site/index.js';
import { describeRun, type Runner } from '../../../tiers/common/runner.js';

/** Where tc's loader pins maps that ask to be pinned by name. */
export const TC_PIN_DIR = '/sys/fs/bpf/tc/globals';
const TOOL_MS = 15000;

export const hexBytes = (bytes: readonly number[]): string => bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
/** A 32-bit number as the maps hold it on the hosts tierlb runs on (little endian). */
export const le32 = (v: number): string => hexBytes([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);

/** An address as the maps key it: network order bytes. */
export function addressBytes(address: string): number[] {
  if (!address.includes(':')) return address.split('.').map(Number);
  return expandIpv6(address).flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

/** Network order bytes back to the address text (IPv6 uncompressed: compared as bytes). */
export function addressOf(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

export interface DumpEntry {
  readonly key: readonly string[];
  readonly value?: readonly string[];
  readonly formatted?: { readonly key: number; readonly values?: readonly { readonly value: number }[] };
}

/** `bpftool -j map dump` of a per-CPU array of counters → the total of each key; undefined without decoded values. */
export function perCpuTotals(json: string): ReadonlyMap<number, number> | undefined {
  const entries = JSON.parse(json) as DumpEntry[];
  const total = new Map<number, number>();
  for (const e of entries) if (e.formatted) total.set(e.formatted.key, (e.formatted.values ?? []).reduce((n, v) => n + v.value, 0));
  return total.size === 0 ? undefined : total;
}

/** The compiled object `name` (bpf/build/), or why it is not there. */
export function programObject(name: string, what: string): { readonly path: string } | { readonly why: string } {
  // From agent/drivers/bpf/ (sources, the lab's bundle folder) or dist/agent/drivers/bpf/ to the checkout's bpf/build/.
  const candidates = ['../../../bpf/build/', '../../../../bpf/build/'].map((dir) => fileURLToPath(new URL(dir + name, import.meta.url)));
  const path = candidates.find((f) => existsSync(f));
  return path ? { path } : { why: `the ${what} program is not built: run npm run build:bpf (needs clang and libbpf-dev; looked for ${candidates.join(', ')})` };
}

/**
 * The device holding `address` as this process's own list of its network
 * namespace's addresses has it (a netlink read, no process start: this runs
 * at every turn). The list leaves out devices that are not up.
 */
export function upDeviceOf(address: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | undefined {
  const key = addressKey(address);
  return Object.entries(interfaces).find(([, infos]) => (infos ?? []).some((i) => addressKey(i.address) === key))?.[0];
}

/** One spelling per address: the maps' bytes back to text. */
const addressKey = (address: string): string => addressOf(addressBytes(address));

export interface TcTools {
  /** Runs a tool; throws with its words when it fails. */
  must(cmd: string, args: string[], input?: string): Promise<string>;
  /** The device that holds `address`, or undefined. */
  deviceOf(address: string): Promise<string | undefined>;
  /** Whether the program `shown` (as `tc filter show` names it: 15 characters) is attached at the egress of `device`. */
  attached(device: string, shown: string): Promise<boolean>;
  /** Attaches `object` at the egress of `device` under tc priority `pref`, replacing what that priority held. */
  attach(device: string, object: string, pref: string): Promise<void>;
  /** Many map writes in one `bpftool batch`. */
  batch(lines: readonly string[]): Promise<void>;
  /** `bpftool -j map dump` of a pinned map, or undefined when it cannot be read. */
  dump(pinned: string): Promise<string | undefined>;
}

export function tcTools(run: Runner): TcTools {
  const must = async (cmd: string, args: string[], input?: string): Promise<string> => {
    const r = await run(cmd, args, { timeoutMs: TOOL_MS, ...(input !== undefined ? { input } : {}) });
    if (r.exitCode !== 0) throw new Error(describeRun(cmd, args, r));
    return r.stdout;
  };
  return {
    must,
    async deviceOf(address) {
      const up = upDeviceOf(address);
      if (up !== undefined) return up;
      // A device that is down, which the process's own list leaves out.
      const shown = JSON.parse(await must('ip', ['-j', 'address', 'show'])) as { ifname: string; addr_info?: { local?: string }[] }[];
      const key = addressKey(address);
      return shown.find((l) => (l.addr_info ?? []).some((a) => a.local !== undefined && addressKey(a.local) === key))?.ifname;
    },
    async attached(device, shown) {
      const r = await run('tc', ['filter', 'show', 'dev', device, 'egress'], { timeoutMs: TOOL_MS });
      return r.exitCode === 0 && r.stdout.includes(`name ${shown}`);
    },
    async attach(device, object, pref) {
      await must('tc', ['qdisc', 'replace', 'dev', device, 'clsact']);
      await must('tc', ['filter', 'replace', 'dev', device, 'egress', 'pref', pref, 'handle', '1', 'bpf', 'direct-action', 'object-file', object, 'section', 'tc']);
    },
    async batch(lines) {
      if (lines.length > 0) await must('bpftool', ['batch', 'file', '-'], `${lines.join('\n')}\n`);
    },
    async dump(pinned) {
      const r = await run('bpftool', ['-j', 'map', 'dump', 'pinned', pinned], { timeoutMs: TOOL_MS });
      return r.exitCode === 0 ? r.stdout : undefined;
    },
  };
}
