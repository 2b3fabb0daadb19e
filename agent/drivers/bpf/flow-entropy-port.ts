// The flow-entropy program (bpf/flow-entropy.c) on an L4 node: attached at
// the egress of a device by tc; its maps hold, per outer family, the node's
// own address (the only outer source it rewrites), how many sources it picks
// from, and the sources themselves (tc-program.ts writes and reads them).
import type { Family } from '../../../site/index.js';
import type { Runner } from '../../../tiers/common/runner.js';
import { addressBytes, hexBytes, le32, perCpuTotals, programObject, tcTools, TC_PIN_DIR } from './tc-program.js';

/** How `tc filter show` names the program: the kernel keeps 15 characters of its name. */
const PROGRAM_SHOWN = 'tierlb_flow_ent';
/** tc's priority for the filter, apart from the MSS clamp's. */
const FILTER_PREF = '48';
/** The size of each family's table of sources in the program. */
export const MAX_SOURCES = 256;

export interface FlowEntropyStats {
  /** Tunnelled packets from the node's own address, per outer family. */
  readonly seen: Readonly<Record<Family, number>>;
  /** Of those, the ones given another outer source. */
  readonly rewritten: Readonly<Record<Family, number>>;
}

/** One family's table: `sources` empty turns the family off (its packets pass as IPVS made them). */
export interface FlowEntropyTable {
  readonly family: Family;
  readonly own: string;
  readonly sources: readonly string[];
}

export interface FlowEntropyPort {
  object(): { readonly path: string } | { readonly why: string };
  deviceOf(address: string): Promise<string | undefined>;
  attached(device: string): Promise<boolean>;
  /** Attaches it (its maps are the pinned ones if they exist). Throws with the tool's words. */
  attach(device: string, object: string): Promise<void>;
  /** Writes whole tables, one batch. Throws with the tool's words. */
  write(tables: readonly FlowEntropyTable[]): Promise<void>;
  stats(): Promise<FlowEntropyStats | undefined>;
}

const CONFIG_KEY: Readonly<Record<Family, number>> = { ipv4: 0, ipv6: 1 };
const sourcesMap = (family: Family): string => `${TC_PIN_DIR}/tierlb_fe_sources${family === 'ipv4' ? 4 : 6}`;

/** `struct fe_config`: the count, then the own address in 16 bytes (IPv4 in the first 4). */
function configValue(t: FlowEntropyTable): string {
  const own = addressBytes(t.own);
  return `${le32(t.sources.length)} ${hexBytes([...own, ...Array<number>(16 - own.length).fill(0)])}`;
}

/** The batch lines of a write: a family's sources first, then its config, so the count never covers a slot not yet written. */
export function tableLines(tables: readonly FlowEntropyTable[]): string[] {
  return tables.flatMap((t) => {
    if (t.sources.length > MAX_SOURCES) throw new Error(`${t.sources.length} ${t.family} tunnel sources: the program holds at most ${MAX_SOURCES}`);
    const sources = t.sources.map((a, i) => `map update pinned ${sourcesMap(t.family)} key ${le32(i)} value ${hexBytes(addressBytes(a))}`);
    return [...sources, `map update pinned ${TC_PIN_DIR}/tierlb_fe_config key ${le32(CONFIG_KEY[t.family])} value ${configValue(t)}`];
  });
}

/** `bpftool -j map dump` of the per-CPU stats map → totals (seen v4, seen v6, rewritten v4, rewritten v6). */
export function flowEntropyStatsOfDump(json: string): FlowEntropyStats | undefined {
  const total = perCpuTotals(json);
  if (!total) return undefined;
  const at = (k: number): number => total.get(k) ?? 0;
  return { seen: { ipv4: at(0), ipv6: at(1) }, rewritten: { ipv4: at(2), ipv6: at(3) } };
}

export function tcFlowEntropyPort(run: Runner): FlowEntropyPort {
  const tc = tcTools(run);
  return {
    object: () => programObject('flow-entropy.o', 'flow entropy'),
    deviceOf: (address) => tc.deviceOf(address),
    attached: (device) => tc.attached(device, PROGRAM_SHOWN),
    attach: (device, object) => tc.attach(device, object, FILTER_PREF),
    write: (tables) => tc.batch(tableLines(tables)),
    async stats() {
      const json = await tc.dump(`${TC_PIN_DIR}/tierlb_fe_stats`);
      return json === undefined ? undefined : flowEntropyStatsOfDump(json);
    },
  };
}
