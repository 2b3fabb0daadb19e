// What the host asks of the bench inside the lab (LOG/bench-options.json),
// read strictly: a wrong value stops the run before any scenario.
import type { LoadOptions } from './under-load.js';

export interface BenchOptions extends LoadOptions {
  /** Scenario ids to run, in order. */
  readonly scenarios: readonly string[];
  /** The lab's own checks and demo first, on the same boot, with the lab's client (the bench's is the flows client). */
  readonly labChecks?: { readonly client: string };
}

/** LOG/bench-options.json, as the host wrote it; `known`: the scenario ids there are. */
export function readBenchOptions(text: string, knownIds: readonly string[]): BenchOptions {
  const o = JSON.parse(text) as Partial<BenchOptions>;
  const known = new Set(knownIds);
  const int = (k: keyof LoadOptions, min: number, max: number): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw new Error(`bench options: expected ${k} from ${min} to ${max}, got ${JSON.stringify(x)}`);
    return x;
  };
  const scenarios = Array.isArray(o.scenarios) ? o.scenarios.map(String) : [];
  const unknown = scenarios.filter((s) => !known.has(s));
  if (scenarios.length === 0 || unknown.length > 0) throw new Error(`bench options: expected scenarios among ${[...known].join(', ')}, got ${JSON.stringify(o.scenarios)}`);
  const lab = o.labChecks as unknown;
  const client = typeof lab === 'object' && lab !== null ? (lab as { client?: unknown }).client : undefined;
  if (lab !== undefined && (typeof client !== 'string' || !client.startsWith('/'))) throw new Error(`bench options: expected labChecks to name the lab's client by its absolute path, got ${JSON.stringify(lab)}`);
  return { scenarios, ...(typeof client === 'string' ? { labChecks: { client } } : {}), flows: int('flows', 1, 2000), seconds: int('seconds', 1, 600), idleMs: int('idleMs', 1000, 120000), warmupMs: int('warmupMs', 0, 120000) };
}
