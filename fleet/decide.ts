// One pool, depool or drain, decided against one read of the fleet state:
// the limits it would break (refused, or recorded as forced), the new record
// and its history entry. commitChange calls it again on a fresh read when
// another change committed in between. Pure: `now` is passed in.
import type { Duration, EtcdLimits, Site } from '../site/index.js';
import type { ChangeDecision } from './change.js';
import { checkLimits } from './limits.js';
import type { PoolRecord, Pooled } from './record.js';
import { stateOf, statesAt } from './states.js';
import type { FleetSnapshot } from './store.js';
import type { FleetTarget } from './targets.js';

export interface PoolRequest {
  readonly target: FleetTarget;
  readonly to: Pooled;
  readonly reason: string;
  readonly who: string;
  /** The record stops counting this long after the change. */
  readonly ttl?: Duration;
  /** Percent of the configured weight; L7 nodes and servers only. */
  readonly weight?: number;
  /** Go past broken limits, and say which in the record. */
  readonly force: boolean;
}

/** What the record's `forced` holds, at most: the decoder keeps no more. */
const MAX_FORCED = 200;

export function decidePoolChange(site: Site, limits: EtcdLimits, request: PoolRequest, snapshot: FleetSnapshot, now: number): ChangeDecision {
  const states = statesAt(snapshot.records, now);
  const broken = checkLimits(site, limits, { states, records: snapshot.records }, { target: request.target, to: request.to });
  if (broken.length > 0 && !request.force) return { kind: 'refused', why: broken.map((b) => b.text) };
  const forced = broken.map((b) => `${b.limit} (${b.summary})`).join('; ').slice(0, MAX_FORCED);
  const record: PoolRecord = {
    pooled: request.to,
    ...(request.weight !== undefined ? { weight: request.weight } : {}),
    reason: request.reason,
    who: request.who,
    when: new Date(now).toISOString(),
    ...(request.ttl !== undefined ? { expires: new Date(now + request.ttl.ms).toISOString() } : {}),
    ...(forced !== '' ? { forced } : {}),
  };
  return { kind: 'write', write: { record, event: { ...record, name: request.target.name, from: stateOf(states, request.target.name) } } };
}
