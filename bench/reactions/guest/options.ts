// The options the host gives the guest in LOG/reactions-options.json, read
// strictly: a bad file stops the run before the lab is touched.
import { SIGNALS, type SignalId } from '../samples.js';

export interface ReactionsOptions {
  readonly speaker: 'gobgp' | 'bird';
  readonly reps: number;
  readonly signals: readonly SignalId[];
}

export const MAX_REPS = 200;

export function readReactionsOptions(text: string): ReactionsOptions {
  const o = JSON.parse(text) as Record<string, unknown>;
  const speaker = o.speaker;
  if (speaker !== 'gobgp' && speaker !== 'bird') throw new Error(`reactions options: expected speaker gobgp or bird, got ${JSON.stringify(speaker)}`);
  const reps = o.reps;
  if (typeof reps !== 'number' || !Number.isInteger(reps) || reps < 1 || reps > MAX_REPS) throw new Error(`reactions options: expected reps from 1 to ${MAX_REPS}, got ${JSON.stringify(reps)}`);
  const known = new Set<string>(SIGNALS.map((s) => s.id));
  const signals = Array.isArray(o.signals) ? o.signals : [];
  const bad = signals.filter((s) => typeof s !== 'string' || !known.has(s));
  if (signals.length === 0 || bad.length > 0) throw new Error(`reactions options: expected signals among ${[...known].join(', ')}, got ${JSON.stringify(o.signals)}`);
  return { speaker, reps, signals: signals as SignalId[] };
}
