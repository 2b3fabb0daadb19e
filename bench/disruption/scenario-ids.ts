// Which scenarios one run of the bench takes, from `--scenarios` and
// `--short`, and the order of their rows in the table. Pure.

/**
 * Every scenario id. Planned operations first: a run cut short still has
 * them. The site edits last: they leave the lab on another site if they
 * fail before putting it back.
 */
export const ORDER: readonly string[] = ['1', '3', '5', '2b', '4', '2a', '6', 'moved', 'edits'];

/**
 * A run without `--scenarios`: every scenario but `moved`, which boots on a
 * site of its own (its spare L7 node outside the measured service) that
 * `edits` cannot share (its spare serves the last service); a run names it.
 */
export const DEFAULT: readonly string[] = ORDER.filter((id) => id !== 'moved');

export function selectScenarios(arg: string | undefined, short: boolean): string[] {
  const ids = (arg ?? (short ? '1,3' : DEFAULT.join(','))).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((s) => !ORDER.includes(s));
  if (unknown.length > 0 || ids.length === 0) throw new Error(`--scenarios: expected ids among ${ORDER.join(', ')}, got ${JSON.stringify(arg)}`);
  if (ids.includes('moved') && ids.includes('edits')) throw new Error('--scenarios: moved and edits boot on different sites (the spare L7 node outside the measured service, or serving the last service); run them apart');
  return ids;
}
