// What etcd holds for one node or server: its pool state, who set it, why,
// when, and until when. Values in etcd can be written by anyone with access
// (etcdctl, another tool, a bug), so every value is decoded into a record or a
// problem, never trusted as it is.
import { z } from 'zod';
import { printableAscii } from '../tiers/backend/text.js';

export const POOLED = ['yes', 'drain', 'no'] as const;
/** yes: takes traffic; drain: takes no new traffic, keeps what it has; no: out. */
export type Pooled = (typeof POOLED)[number];

/** How much traffic a state takes away: the stricter of two states is the one that takes more. */
export const RESTRICTION: Readonly<Record<Pooled, number>> = { yes: 0, drain: 1, no: 2 };

export const MAX_FLEET_REASON = 120;
export const MAX_WHO = 64;

export interface PoolRecord {
  readonly pooled: Pooled;
  /** Percent of the configured weight (L7 nodes and servers), 0..100. */
  readonly weight?: number;
  readonly reason: string;
  readonly who: string;
  /** ISO 8601, UTC. */
  readonly when: string;
  /** ISO 8601: from then on the record no longer counts, as if pooled again. */
  readonly expires?: string;
  /** The safety limit this change was allowed past with --force. */
  readonly forced?: string;
}

/** One change, as `tierlb history` shows it. */
export interface HistoryEvent extends PoolRecord {
  readonly name: string;
  readonly from: Pooled;
}

const isoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');
const text = (max: number) => z.string().max(4 * max).transform((s) => printableAscii(s, max));

const recordSchema = z.object({
  pooled: z.enum(POOLED),
  weight: z.number().int().min(0).max(100).optional(),
  reason: text(MAX_FLEET_REASON),
  who: text(MAX_WHO),
  when: isoTime,
  expires: isoTime.optional(),
  forced: text(200).optional(),
});

const eventSchema = recordSchema.extend({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/),
  from: z.enum(POOLED),
});

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** At most this many bytes of a value are read: a record is a few hundred. */
const MAX_VALUE_BYTES = 4096;

function decodeWith<T>(schema: z.ZodType<T>, value: string): Decoded<T> {
  if (value.length > MAX_VALUE_BYTES) return { ok: false, problem: `value of ${value.length} bytes, more than ${MAX_VALUE_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  return { ok: false, problem: `${first?.path.join('.') || 'value'}: ${first?.message ?? 'not a record'}` };
}

export const decodeRecord = (value: string): Decoded<PoolRecord> => decodeWith(recordSchema as z.ZodType<PoolRecord>, value);
export const decodeEvent = (value: string): Decoded<HistoryEvent> => decodeWith(eventSchema as z.ZodType<HistoryEvent>, value);

/** Keys in a fixed order, fields left out when absent: the same record is the same bytes. */
export function encodeRecord(r: PoolRecord): string {
  return JSON.stringify({
    pooled: r.pooled, ...(r.weight !== undefined ? { weight: r.weight } : {}), reason: r.reason, who: r.who, when: r.when,
    ...(r.expires !== undefined ? { expires: r.expires } : {}), ...(r.forced !== undefined ? { forced: r.forced } : {}),
  });
}

export function encodeEvent(e: HistoryEvent): string {
  return JSON.stringify({ name: e.name, from: e.from, ...JSON.parse(encodeRecord(e)) as object });
}

/** The state a record gives at `now`: an expired record counts as pooled. */
export function pooledAt(record: PoolRecord | undefined, now: number): Pooled {
  if (!record) return 'yes';
  if (record.expires !== undefined && Date.parse(record.expires) <= now) return 'yes';
  return record.pooled;
}

/** When the record stops counting, if it has an expiry still ahead. */
export function expiresAfter(record: PoolRecord | undefined, now: number): number | undefined {
  const at = record?.expires === undefined ? undefined : Date.parse(record.expires);
  return at !== undefined && at > now ? at : undefined;
}
