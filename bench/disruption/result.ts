// What one run of the disruption bench measured: per scenario the flows in
// flight across the action and how many broke, and the reaction times from
// the action to each tier's change. Shared by the guest program that measures
// and the host program that writes the table.
import type { FlowEnd } from '../flows/outcome.js';

export interface Reaction {
  /** What changed, e.g. "routers' tables: l4-1 withdrawn". */
  readonly what: string;
  /** From the action to the change; null when it was not seen within the bound. */
  readonly ms: number | null;
  /** The target for this reaction, when it names one. */
  readonly targetMs?: number;
  /** How it was measured (event timestamps or polling, and its resolution). */
  readonly how: string;
}

export interface ScenarioFlows {
  /** Flows that started before the action and ended after it. */
  readonly inFlight: number;
  /** Of those, flows that did not complete. */
  readonly broken: number;
  /** Every flow of the scenario, and how they ended. */
  readonly total: number;
  readonly byEnd: Readonly<Partial<Record<FlowEnd, number>>>;
  /** Abrupt failures: flows the failed element held, and how many of those broke. */
  readonly held?: { readonly by: string; readonly flows: number; readonly broken: number };
  /** A second action that followed the first while the flows still ran, and how many of the broken ended after it. */
  readonly followUp?: { readonly what: string; readonly broken: number };
}

/** Scenario `moved`: the share of flows an edit sends to another L7 node, predicted and measured. */
export interface MovedFlows {
  /** The edit, e.g. `l7-5 appended to the L7 nodes of api (...)`. */
  readonly edit: string;
  /** The Maglev table measured: service, family, VIP and port. */
  readonly table: string;
  /** `tierlb plan`'s figure: the share of the table's slots whose L7 node changes. */
  readonly predictedPercent: number;
  /** The same model applied to the very tuples measured (null when it could not be computed). */
  readonly modelOnTuplesPercent: number | null;
  /** Tuples whose L7 node was read both before and after the edit, and how many of those another L7 node got. */
  readonly tuples: number;
  readonly moved: number;
  readonly measuredPercent: number | null;
  /** Measured minus predicted, in percentage points. */
  readonly differencePp: number | null;
  readonly withinPp: number;
  /** The fewest tuples a verdict is drawn from: fewer leave the sampling error alone close to `withinPp`. */
  readonly minTuples: number;
  /** Within `withinPp` of the prediction, on `minTuples` tuples or more. */
  readonly within: boolean;
}

export interface ScenarioResult {
  /** The row's id: a scenario's (`3`), or a step's (`edits.a`) when a scenario has one row per step. */
  readonly id: string;
  /** The scenario a step's row belongs to (`edits`); absent when the row is the whole scenario. */
  readonly scenario?: string;
  readonly name: string;
  /** Planned operations must break no flow; abrupt failures at most what they must. */
  readonly kind: 'planned' | 'failure';
  /** The operator's commands or the failure, as run. */
  readonly actions: readonly string[];
  readonly flows: ScenarioFlows | null;
  readonly reactions: readonly Reaction[];
  /** Targets met (flows and reactions); false with `why` in notes otherwise. */
  readonly ok: boolean;
  readonly notes: readonly string[];
  readonly error?: string;
  /** Scenario `moved`'s rows: no flows, a share of tuples instead. */
  readonly moved?: MovedFlows;
}

export interface BenchRun {
  readonly startedAt: string;
  readonly lab: { readonly site: string; readonly nodes: Readonly<Record<string, number>>; readonly vips: number; readonly userAddresses: number };
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryMb: number; readonly kernel: string; readonly where: string };
  readonly load: { readonly flowsPerScenario: number; readonly secondsPerFlow: number; readonly targets: number };
  readonly scenarios: readonly ScenarioResult[];
}
