// The mh scheduler's lookup table, built as ip_vs_mh.c builds it.
//
// Every real server has a permutation of the slots (a start and a skip from
// its address and port). Walking the service's list, each real server in
// turn claims its next free preferred slot, `turns` times in a row, until
// every slot is taken. The list is the kernel's: newest first. The turns come
// from the last non-zero weight (the kernel's last_weight), so a real server
// drained to weight 0 keeps its slots and the table does not move; one added
// at weight 0 has none.
import type { Family, IpAddress, MhFlag } from '../../../site/index.js';
import { MH_TABLE_SIZE, OFFSET_KEY, SKIP_KEY, foldAddress, mhHash } from './hash-key.js';

/** Half the table index bits: weights past 2^6 times the gcd are shifted down. */
const TABLE_WEIGHT_BITS = 6;

export interface MaglevRealServer {
  readonly address: IpAddress;
  /** The real server's port (in tunnel mode, the service's). */
  readonly port: number;
  /** The weight now; 0 is quiescent: it keeps its slots but is not scheduled to. */
  readonly weight: number;
  /** The last non-zero weight it was given, or the weight it was added with; the table is built from this. Defaults to `weight`. */
  readonly lastWeight?: number;
  /** Past its upper connection threshold (IP_VS_DEST_F_OVERLOAD): treated as unavailable, like weight 0. */
  readonly overloaded?: boolean;
}

export interface MaglevService {
  readonly family: Family;
  readonly flags: readonly MhFlag[];
  /** Oldest first: the order they were added in, as the plan and the IPVS port give them. */
  readonly realServers: readonly MaglevRealServer[];
}

export interface MaglevTable {
  readonly service: MaglevService;
  /** Per slot, the index in `service.realServers` of its real server; -1 for none. */
  readonly slots: Int32Array;
}

/** The table the kernel holds for `service`. */
export function buildMaglevTable(service: MaglevService): MaglevTable {
  const turns = turnsOf(service.realServers.map(lastWeightOf));
  if (turns.every((t) => t === 0)) return { service, slots: new Int32Array(MH_TABLE_SIZE).fill(-1) };
  // The kernel's list is newest first: the last added claims first.
  const order = service.realServers.map((_, i) => i).reverse().filter((i) => (turns[i] ?? 0) > 0);
  return { service, slots: populate(order.map((i) => permutation(service.realServers[i] as MaglevRealServer, service.family, i, turns[i] ?? 0))) };
}

/**
 * Each real server in turn claims its next free preferred slots, until none
 * is left. The walks live in Int32Arrays: tens of thousands of probes stay on
 * machine integers.
 */
function populate(walks: readonly Permutation[]): Int32Array {
  const next = Int32Array.from(walks, (w) => w.start);
  const skip = Int32Array.from(walks, (w) => w.skip);
  const turns = Int32Array.from(walks, (w) => w.turns);
  const owner = Int32Array.from(walks, (w) => w.index);
  const slots = new Int32Array(MH_TABLE_SIZE);
  const taken = new Uint8Array(MH_TABLE_SIZE);
  for (let filled = 0; ;) {
    for (let k = 0; k < walks.length; k++) {
      for (let t = turns[k] as number; t > 0; t--) {
        let c = next[k] as number;
        while (taken[c] === 1) {
          c += skip[k] as number;
          if (c >= MH_TABLE_SIZE) c -= MH_TABLE_SIZE;
        }
        next[k] = c;
        taken[c] = 1;
        slots[c] = owner[k] as number;
        if (++filled === MH_TABLE_SIZE) return slots;
      }
    }
  }
}

/** How many slots in a row each real server claims per round, from its last weight. */
export function turnsOf(weights: readonly number[]): number[] {
  const divisor = weights.reduce((g, w) => (w > 0 ? (g > 0 ? gcd(g, w) : w) : g), 0);
  if (divisor < 1) return weights.map(() => 0);
  const shift = Math.max(0, bitLength(Math.floor(Math.max(...weights) / divisor)) - TABLE_WEIGHT_BITS);
  return weights.map((w) => (Math.floor(w / divisor) >> shift) || (w !== 0 ? 1 : 0));
}

/** A real server's walk through the slots: where it starts, its stride, its turns per round. */
interface Permutation {
  readonly start: number;
  readonly skip: number;
  readonly index: number;
  readonly turns: number;
}

function permutation(rs: MaglevRealServer, family: Family, index: number, turns: number): Permutation {
  const fold = foldAddress(rs.address, family);
  return {
    start: mhHash(fold, rs.port, OFFSET_KEY) % MH_TABLE_SIZE,
    skip: (mhHash(fold, rs.port, SKIP_KEY) % (MH_TABLE_SIZE - 1)) + 1,
    index,
    turns,
  };
}

function lastWeightOf(rs: MaglevRealServer): number {
  return Math.max(0, rs.lastWeight ?? rs.weight);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The kernel's fls(): the position of the highest set bit, 0 for 0. */
function bitLength(n: number): number {
  return 32 - Math.clz32(n);
}
