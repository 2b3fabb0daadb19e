// `tierlb pool|depool|drain NAME`: one change of the fleet state in etcd,
// checked against the site's safety limits in the same transaction that
// writes it. Every call writes a record and a history entry, even when the
// state does not change: depooling again renews the reason, who and --ttl,
// and the audit trail shows that someone asked.
import { commitChange, type ChangeOutcome } from '../fleet/change.js';
import { decidePoolChange, type PoolRequest } from '../fleet/decide.js';
import { impactOf } from '../fleet/impact.js';
import { MAX_FLEET_REASON, type Pooled } from '../fleet/record.js';
import { statesAt } from '../fleet/states.js';
import { resolveTarget, type FleetTarget } from '../fleet/targets.js';
import { whoOf } from '../fleet/who.js';
import { toDurationAbove0, type Checked, type Site } from '../site/index.js';
import { toWeightPercent } from '../tiers/backend/index.js';
import { CliError } from './errors.js';
import { DEFAULT_SITE } from './explain.js';
import { openFleetStore, problemLines, readFleetSite, type FleetDeps } from './fleet-open.js';
import { changeLine, refusalText } from './pool-text.js';

export type PoolVerb = 'pool' | 'depool' | 'drain';

const TO: Record<PoolVerb, Pooled> = { pool: 'yes', depool: 'no', drain: 'drain' };

export interface PoolOptions {
  readonly reason?: string;
  readonly ttl?: string;
  readonly weight?: string;
  readonly force?: boolean;
  readonly who?: string;
  readonly config?: string;
  readonly json?: boolean;
}

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export async function poolCommand(verb: PoolVerb, name: string, opts: PoolOptions, deps: FleetDeps, io: Io): Promise<void> {
  // Everything the command line says is checked before etcd is asked anything.
  const reason = reasonOf(opts.reason, verb !== 'pool');
  const ttl = opts.ttl === undefined ? undefined : checked(toDurationAbove0(opts.ttl), '--ttl');
  const weight = opts.weight === undefined ? undefined : weightOf(opts.weight);
  const who = checked(whoOf({ ...deps.whoSources(), ...(opts.who !== undefined ? { option: opts.who } : {}) }), undefined);
  const { site, settings } = await readFleetSite(opts.config ?? DEFAULT_SITE);
  const target = targetOf(site, name, weight);
  const request: PoolRequest = { target, to: TO[verb], reason, who, force: opts.force === true, ...(ttl ? { ttl } : {}), ...(weight !== undefined ? { weight } : {}) };
  const store = await openFleetStore(settings, deps);
  let outcome: ChangeOutcome;
  try {
    outcome = await commitChange(store, (snapshot) => decidePoolChange(site, settings.limits, request, snapshot, deps.now()));
  } finally {
    store.close();
  }
  report(site, verb, request, outcome, opts.json === true, io);
}

function report(site: Site, verb: PoolVerb, request: PoolRequest, outcome: ChangeOutcome, json: boolean, io: Io): void {
  const name = request.target.name;
  if (outcome.kind === 'contended') {
    throw new CliError(`${verb} ${name}: other changes committed first ${outcome.attempts} times in a row; nothing was changed; try again`, 2);
  }
  for (const line of problemLines(outcome.before.problems, 'left out (counts as pooled)')) io.err(`${line}\n`);
  if (outcome.kind === 'refused') {
    if (json) io.out(`${JSON.stringify({ outcome: 'refused', command: verb, name, broken: outcome.why }, null, 2)}\n`);
    throw new CliError(refusalText(verb, name, outcome.why), 4);
  }
  const { event } = outcome.write;
  const states = statesAt(outcome.before.records, Date.parse(event.when));
  const impact = impactOf(site, states, { target: request.target, to: request.to, ...(request.weight !== undefined ? { weight: request.weight } : {}) });
  if (json) io.out(`${JSON.stringify({ outcome: 'committed', command: verb, event, impact }, null, 2)}\n`);
  else io.out([changeLine(event), ...impact.map((l) => `  ${l}`)].map((l) => `${l}\n`).join(''));
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Refused rather than cut: the reason is what the next operator reads, and it goes on the wire to HAProxy. */
function reasonOf(text: string | undefined, required: boolean): string {
  const reason = (text ?? '').trim();
  if (reason === '' && !required) return '';
  if (reason !== '' && reason.length <= MAX_FLEET_REASON && PRINTABLE.test(reason)) return reason;
  throw new CliError(`--reason: expected printable ASCII text of 1 to ${MAX_FLEET_REASON} characters, got ${JSON.stringify((text ?? '').slice(0, MAX_FLEET_REASON + 8))}`, 2);
}

/** 0% is refused: a node at no weight is drained, and `drain` says so in the record. */
function weightOf(text: string): number {
  const w = toWeightPercent(text);
  if (w !== undefined && w > 0) return w;
  throw new CliError(`--weight: expected a percent of the configured weight from 1% to 100%, such as 50%, got ${JSON.stringify(text.slice(0, 16))}; to stop new traffic, drain NAME`, 2);
}

function targetOf(site: Site, name: string, weight: number | undefined): FleetTarget {
  const t = resolveTarget(site, name);
  if (!t.ok) throw new CliError(t.problem, 2);
  if (weight !== undefined && t.target.kind === 'l4') {
    throw new CliError(`--weight: ${t.target.name} is an L4 node, which has no weight (the routers spread flows evenly over the L4 nodes); pool it without --weight`, 2);
  }
  return t.target;
}

function checked<T>(r: Checked<T>, option: string | undefined): T {
  if (r.ok) return r.value;
  throw new CliError(option === undefined ? r.reason : `${option}: ${r.reason}`, 2);
}
