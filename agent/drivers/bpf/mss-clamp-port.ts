// The MSS clamp program (bpf/mss-clamp.c) on an L7 node: attached at the
// egress of a device by tc, its maps (the VIPs of each family, each family's
// MSS, per-CPU counts) written and read by bpftool (tc-program.ts).
import type { Family } from '../../../site/index.js';
import type { Runner } from '../../../tiers/common/runner.js';
import { addressBytes, addressOf, hexBytes, le32, perCpuTotals, programObject, tcTools, TC_PIN_DIR, type DumpEntry } from './tc-program.js';

export { addressBytes, addressOf, TC_PIN_DIR } from './tc-program.js';

/** How `tc filter show` names the program: the kernel keeps 15 characters of its name. */
const PROGRAM_SHOWN = 'tierlb_mss_clam';
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

const CONFIG_KEY: Readonly<Record<Family, number>> = { ipv4: 0, ipv6: 1 };
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

/** `bpftool -j map dump` of a VIP map → its addresses. */
export function vipsOfDump(json: string): string[] {
  const entries = JSON.parse(json) as DumpEntry[];
  return entries.map((e) => addressOf(e.key.map((b) => parseInt(b, 16))));
}

/** `bpftool -j map dump` of the per-CPU stats map → totals by key (seen v4, seen v6, clamped v4, clamped v6). */
export function statsOfDump(json: string): MssClampStats | undefined {
  const total = perCpuTotals(json);
  if (!total) return undefined;
  const at = (k: number): number => total.get(k) ?? 0;
  return { seen: { ipv4: at(0), ipv6: at(1) }, clamped: { ipv4: at(2), ipv6: at(3) } };
}

export function tcMssClampPort(run: Runner): MssClampPort {
  const tc = tcTools(run);
  return {
    object: () => programObject('mss-clamp.o', 'MSS clamp'),
    deviceOf: (address) => tc.deviceOf(address),
    attached: (device) => tc.attached(device, PROGRAM_SHOWN),
    attach: (device, object) => tc.attach(device, object, FILTER_PREF),
    async readVips() {
      const out: Record<Family, string[]> = { ipv4: [], ipv6: [] };
      for (const family of ['ipv4', 'ipv6'] as const) out[family] = vipsOfDump(await tc.must('bpftool', ['-j', 'map', 'dump', 'pinned', vipMap(family)]));
      return out;
    },
    write: (w) => tc.batch(batchLines(w)),
    async stats() {
      const json = await tc.dump(`${TC_PIN_DIR}/tierlb_mss_stats`);
      return json === undefined ? undefined : statsOfDump(json);
    },
  };
}
