// A change of the fleet state as one optimistic transaction: read, decide
// against the limits, commit only if nothing changed in between; otherwise
// read again and decide again. Two operators racing each see the other's
// change before theirs commits, so a limit holds for both.
import type { FleetSnapshot, FleetStore, FleetWrite } from './store.js';

export type ChangeDecision =
  | { readonly kind: 'write'; readonly write: FleetWrite }
  | { readonly kind: 'refused'; readonly why: readonly string[] };

export type ChangeOutcome =
  | { readonly kind: 'committed'; readonly write: FleetWrite; readonly before: FleetSnapshot; readonly attempts: number }
  | { readonly kind: 'refused'; readonly why: readonly string[]; readonly before: FleetSnapshot; readonly attempts: number }
  | { readonly kind: 'contended'; readonly attempts: number };

export const MAX_ATTEMPTS = 20;

export async function commitChange(store: FleetStore, decide: (s: FleetSnapshot) => ChangeDecision, maxAttempts = MAX_ATTEMPTS): Promise<ChangeOutcome> {
  for (let attempts = 1; attempts <= maxAttempts; attempts++) {
    const before = await store.read();
    const d = decide(before);
    if (d.kind === 'refused') return { kind: 'refused', why: d.why, before, attempts };
    if (await store.commit(before.generation, d.write)) return { kind: 'committed', write: d.write, before, attempts };
  }
  return { kind: 'contended', attempts: maxAttempts };
}
