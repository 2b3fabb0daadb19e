// Which scenarios one run of the bench takes, from `--scenarios` and
// `--short`, and the order of their rows in the table. Pure.

/**
 * Every scenario id. Planned operations first: a run cut short still has
 * them. The site edits last: they leave the lab on another site if they
 * fail before putting it back.
 */
export const ORDER: readonly string[] = ['1', '3', '5', '2b', '4', '2a', '6', 'moved', 'edits'];

/**
 * `npm run bench:faults`: faults worse than a clean kill, then the flows
 * connection sync is for, off and on, and sync off again. The site file
 * edits (garbage, disk full) before the sync rows, which edit the L4 nodes'
 * files themselves.
 */
export const FAULT_ORDER: readonly string[] = [
  'fault.freeze', 'fault.freeze.bfd', 'fault.link', 'fault.netem', 'fault.haproxy-hung', 'fault.reflector', 'fault.router-bird',
  'fault.agent-ipvs', 'fault.agent-ipvs.sync', 'fault.agent-speaker', 'fault.disk-full', 'fault.garbage-site',
  'sync.join-leave.off', 'sync.join-leave.on', 'sync.drain-move.off', 'sync.drain-move.on', 'sync.reset',
];
const ALL: readonly string[] = [...ORDER, ...FAULT_ORDER];

/** The ids of a run's table, in order. */
export const rowOrder = (id: string): number => ALL.indexOf(id);

/** True when every id is a fault's: the table is the fault bench's. */
export const isFaultRun = (ids: readonly string[]): boolean => ids.length > 0 && ids.every((id) => FAULT_ORDER.includes(id));

/**
 * A run without `--scenarios`: every scenario but `moved`, which boots on a
 * site of its own (its spare L7 node outside the measured service) that
 * `edits` cannot share (its spare serves the last service); a run names it.
 */
export const DEFAULT: readonly string[] = ORDER.filter((id) => id !== 'moved');

export function selectScenarios(arg: string | undefined, short: boolean): string[] {
  const named = (arg ?? (short ? '1,3' : DEFAULT.join(','))).split(',').map((s) => s.trim()).filter(Boolean);
  const ids = named.flatMap((s) => (s === 'faults' ? FAULT_ORDER : [s]));
  const unknown = ids.filter((s) => !ALL.includes(s));
  if (unknown.length > 0 || ids.length === 0) throw new Error(`--scenarios: expected ids among ${ALL.join(', ')} (or faults for all of ${FAULT_ORDER[0] ?? ''}…), got ${JSON.stringify(arg)}`);
  if (ids.includes('moved') && ids.includes('edits')) throw new Error('--scenarios: moved and edits boot on different sites (the spare L7 node outside the measured service, or serving the last service); run them apart');
  return ids;
}
