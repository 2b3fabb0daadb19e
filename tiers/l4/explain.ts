// Where the Maglev table of one IPVS service sends a flow, and where it
// would send it if that L7 node were drained: the question an operator asks
// before draining a node, answered from the plan alone (every L4 node
// builds the same table from it). Pure.
import type { IpAddress, Token } from '../../site/index.js';
import { buildMaglevTable, scheduleFlow, type Flow, type MaglevService } from './maglev/index.js';
import type { IpvsService } from './model.js';

export type FlowOutcome =
  | { readonly kind: 'to'; readonly node: Token; readonly address: IpAddress; readonly slot: number; readonly fellBack: boolean }
  | { readonly kind: 'refused'; readonly reason: 'no L7 node in the table' | 'the L7 node is drained and the service has no mh-fallback' | 'every L7 node is drained' };

export interface FlowExplanation {
  readonly service: IpvsService;
  readonly now: FlowOutcome;
  /** With the L7 node of `now` drained in place (weight 0, so its slots stay); absent when `now` is refused. */
  readonly drained?: { readonly node: Token; readonly outcome: FlowOutcome };
}

/** The flow's L7 node in `service` as planned, and with that node drained. */
export function explainFlow(service: IpvsService, flow: Flow): FlowExplanation {
  const now = outcome(service, flow);
  if (now.kind === 'refused') return { service, now };
  const drained: IpvsService = {
    ...service,
    destinations: service.destinations.map((d) => (d.node === now.node ? { ...d, weight: 0 } : d)),
  };
  return { service, now, drained: { node: now.node, outcome: outcome(drained, flow, service) } };
}

/** `before`: the service as it was when its real servers got their last non-zero weights. */
function outcome(service: IpvsService, flow: Flow, before: IpvsService = service): FlowOutcome {
  const choice = scheduleFlow(buildMaglevTable(maglevServiceOf(service, before)), flow);
  if (choice.kind === 'scheduled') {
    const d = service.destinations[choice.index];
    if (d) return { kind: 'to', node: d.node, address: d.address, slot: choice.slot, fellBack: choice.fellBack };
  }
  if (choice.kind === 'unscheduled' && choice.reason === 'unavailable') return { kind: 'refused', reason: 'the L7 node is drained and the service has no mh-fallback' };
  if (choice.kind === 'unscheduled' && choice.reason === 'no available real server') return { kind: 'refused', reason: 'every L7 node is drained' };
  return { kind: 'refused', reason: 'no L7 node in the table' };
}

/** The plan's destinations as the scheduler sees them: a weight lowered to 0 keeps its last one. */
export function maglevServiceOf(service: IpvsService, before: IpvsService = service): MaglevService {
  return {
    family: service.family,
    flags: service.flags,
    realServers: service.destinations.map((d) => {
      const last = before.destinations.find((b) => b.address === d.address)?.weight ?? d.weight;
      return { address: d.address, port: d.port, weight: d.weight, lastWeight: d.weight > 0 ? d.weight : last };
    }),
  };
}
