// `tierlb history [NAME]`: the audit trail of the fleet state, oldest first,
// from etcd: who changed what, from which state to which, why and until when.
import { CliError } from './errors.js';
import { DEFAULT_SITE } from './explain.js';
import { openFleetStore, problemLines, readFleetSite, type FleetDeps } from './fleet-open.js';
import { historyLines } from './pool-text.js';

export interface HistoryOptions {
  readonly limit?: string;
  readonly json?: boolean;
  readonly config?: string;
}

export const DEFAULT_HISTORY = 20;
const MAX_HISTORY = 10_000;

export async function historyCommand(name: string | undefined, opts: HistoryOptions, deps: FleetDeps, io: { out: (t: string) => void; err: (t: string) => void }): Promise<void> {
  const limit = limitOf(opts.limit);
  const { settings } = await readFleetSite(opts.config ?? DEFAULT_SITE);
  const store = await openFleetStore(settings, deps);
  let history;
  try {
    history = await store.history(limit, name);
  } finally {
    store.close();
  }
  for (const line of problemLines(history.problems, 'left out of the history')) io.err(`${line}\n`);
  if (opts.json === true) io.out(`${JSON.stringify(history.events, null, 2)}\n`);
  else if (history.events.length === 0) io.out(`no changes recorded${name === undefined ? '' : ` for ${name}`} under ${settings.prefix}\n`);
  else io.out(historyLines(history.events).map((l) => `${l}\n`).join(''));
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_HISTORY;
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (n >= 1 && n <= MAX_HISTORY) return n;
  throw new CliError(`--limit: expected a whole number of events from 1 to ${MAX_HISTORY}, got ${JSON.stringify(text.slice(0, 16))}`, 2);
}
