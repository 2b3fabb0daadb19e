// The MSS clamp program (bpf/mss-clamp.c) on an L7 node, through the tools
// Debian ships: `tc` attaches it at the egress of a device (clsact, direct
// action) and pins its maps by name under tc's folder of the bpffs;
// `bpftool` writes and reads those maps, many changes in one `batch`. Every
// argument is built here from validated addresses and numbers.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Family } from '../../../site/index.js';
import { describeRun, type Runner } from '../../../tiers/common/runner.js';

/** Where tc's loader pins maps that ask to be pinned by name. */
export const TC_PIN_DIR = '/sys/fs/bpf/tc/globals';
/** How `tc filter show` names the program: the kernel keeps 15 characters of its name. */
const PROGRAM_SHOWN = 'name tierlb_mss_clam';
const OBJECT_FILE = 'mss-clamp.o';
/** From agent/drivers/bpf/ (sources, the lab's bundle folder) or dist/agent/drivers/bpf/ to the checkout's bpf/build/. */
const CANDIDATES = ['../../../bpf/build/', '../../../../bpf/build/'].map((dir) => fileURLToPath(new URL(dir + OBJECT_FILE, import.meta.url)));
/** tc's priority for the filter: one of ours, so it is found and replaced, not stacked. */
const FILTER_PREF = '49';

export interface MssClampStats {
  readonly seen: Readonly<Record<Family, number>>;
  readonly clamped: Readonly<Record<Family, number>>;
}

export interface MssClampPort {
  /** The compiled program, or why there is none. */
  object(): { readonly path: string } | { readonly why: string };
  /** The device that holds `address`, or undefined. */
  deviceOf(address: string): Promise<string | undefined>;
  /** Whether the program is attached at the egress of `device`. */
  attached(device: string): Promise<boolean>;
  /** Attaches it (its maps are the pinned ones if they exist: what they hold survives). Throws with the tool's words. */
  attach(device: string, object: string): Promise<void>;
  /** The VIPs the pinned maps hold. */
  readVips(): Promise<Record<Family, string[]>>;
  /** One batch of map writes. Throws with the tool's words. */
  write(w: MssClampWrite): Promise<void>;
  stats(): Promise<MssClampStats | undefined>;
}

export interface MssClampWrite {
  readonly mss?: Readonly<Partial<Record<Family, number>>>;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

const hexBytes = (bytes: readonly number[]): string => bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
const le32 = (v: number): string => hexBytes([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
const CONFIG_KEY: Readonly<Record<Family, number>> = { ipv4: 0, ipv6: 1 };

/** An address as the maps key it: network order bytes. */
export function addressBytes(address: string): number[] {
  if (!address.includes(':')) return address.split('.').map(Number);
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill(0), ...t] : h;
  return all.flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

/** Network order bytes back to the address text (IPv6 uncompressed: compared as bytes). */
export function addressOf(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

const vipMap = (family: Family): string => `${TC_PIN_DIR}/tierlb_mss_vips${family === 'ipv4' ? 4 : 6}`;
const familyOfText = (a: string): Family => (a.includes(':') ? 'ipv6' : 'ipv4');

/** The batch lines (bpftool's own syntax, one command a line) of a write. */
export function batchLines(w: MssClampWrite): string[] {
  const mss = Object.entries(w.mss ?? {}).map(([f, v]) => `map update pinned ${TC_PIN_DIR}/tierlb_mss_config key ${le32(CONFIG_KEY[f as Family])} value ${le32(v ?? 0)}`);
  const add = w.add.map((a) => `map update pinned ${vipMap(familyOfText(a))} key ${hexBytes(addressBytes(a))} value 0x01`);
  const remove = w.remove.map((a) => `map delete pinned ${vipMap(familyOfText(a))} key ${hexBytes(addressBytes(a))}`);
  // The VIPs first: an MSS written for a family applies at once to what its map holds.
  return [...remove, ...add, ...mss];
}

interface DumpEntry { readonly key: readonly string[]; readonly formatted?: { readonly key: number; readonly values?: readonly { readonly value: number }[] } }

/** `bpftool -j map dump` of a VIP map → its addresses. */
export function vipsOfDump(json: string): string[] {
  const entries = JSON.parse(json) as DumpEntry[];
  return entries.map((e) => addressOf(e.key.map((b) => parseInt(b, 16))));
}

/** `bpftool -j map dump` of the per-CPU stats map → totals by key (seen v4, seen v6, clamped v4, clamped v6). */
export function statsOfDump(json: string): MssClampStats | undefined {
  const entries = JSON.parse(json) as DumpEntry[];
  const total = new Map<number, number>();
  for (const e of entries) if (e.formatted) total.set(e.formatted.key, (e.formatted.values ?? []).reduce((n, v) => n + v.value, 0));
  if (total.size === 0) return undefined;
  const at = (k: number): number => total.get(k) ?? 0;
  return { seen: { ipv4: at(0), ipv6: at(1) }, clamped: { ipv4: at(2), ipv6: at(3) } };
}

export function tcMssClampPort(run: Runner): MssClampPort {
  const must = async (cmd: string, args: string[], input?: string): Promise<string> => {
    const r = await run(cmd, args, { timeoutMs: 15000, ...(input !== undefined ? { input } : {}) });
    if (r.exitCode !== 0) throw new Error(describeRun(cmd, args, r));
    return r.stdout;
  };
  return {
    object() {
      const path = CANDIDATES.find((f) => existsSync(f));
      return path ? { path } : { why: `the MSS clamp program is not built: run npm run build:bpf (needs clang and libbpf-dev; looked for ${CANDIDATES.join(', ')})` };
    },
    async deviceOf(address) {
      const shown = JSON.parse(await must('ip', ['-j', 'address', 'show'])) as { ifname: string; addr_info?: { local?: string }[] }[];
      const key = addressOf(addressBytes(address));
      return shown.find((l) => (l.addr_info ?? []).some((a) => a.local !== undefined && addressOf(addressBytes(a.local)) === key))?.ifname;
    },
    async attached(device) {
      const r = await run('tc', ['filter', 'show', 'dev', device, 'egress'], { timeoutMs: 15000 });
      return r.exitCode === 0 && r.stdout.includes(PROGRAM_SHOWN);
    },
    async attach(device, object) {
      await must('tc', ['qdisc', 'replace', 'dev', device, 'clsact']);
      await must('tc', ['filter', 'replace', 'dev', device, 'egress', 'pref', FILTER_PREF, 'handle', '1', 'bpf', 'direct-action', 'object-file', object, 'section', 'tc']);
    },
    async readVips() {
      const out: Record<Family, string[]> = { ipv4: [], ipv6: [] };
      for (const family of ['ipv4', 'ipv6'] as const) out[family] = vipsOfDump(await must('bpftool', ['-j', 'map', 'dump', 'pinned', vipMap(family)]));
      return out;
    },
    async write(w) {
      const lines = batchLines(w);
      if (lines.length > 0) await must('bpftool', ['batch', 'file', '-'], `${lines.join('\n')}\n`);
    },
    async stats() {
      const r = await run('bpftool', ['-j', 'map', 'dump', 'pinned', `${TC_PIN_DIR}/tierlb_mss_stats`], { timeoutMs: 15000 });
      return r.exitCode === 0 ? statsOfDump(r.stdout) : undefined;
    },
  };
}
