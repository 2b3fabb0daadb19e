// The flows a scenario's action could have touched: those that started
// before it and ended after it. Pure.
import type { FlowResult } from '../flows/outcome.js';
import type { ScenarioFlows } from './result.js';

/** `srv-1.via.10.0.1.31` (lab/server.mjs's X-Served-By) → server and the L7 address it came through. */
export function servedVia(servedBy: string | undefined): { server: string; via: string } | undefined {
  const m = /^(.+?)\.via\.(.+)$/.exec(servedBy ?? '');
  return m?.[1] && m[2] ? { server: m[1], via: m[2] } : undefined;
}

export function scenarioFlows(
  results: readonly FlowResult[], actionAt: number, held?: { by: string; holds: (r: FlowResult) => boolean }, followUp?: { what: string; at: number },
): ScenarioFlows {
  const inFlight = results.filter((r) => r.startedAt <= actionAt && r.endedAt >= actionAt);
  const byEnd: Record<string, number> = {};
  for (const r of results) byEnd[r.end] = (byEnd[r.end] ?? 0) + 1;
  const heldFlows = held ? inFlight.filter(held.holds) : [];
  return {
    inFlight: inFlight.length,
    broken: inFlight.filter((r) => r.end !== 'complete').length,
    total: results.length,
    byEnd,
    ...(held ? { held: { by: held.by, flows: heldFlows.length, broken: heldFlows.filter((r) => r.end !== 'complete').length } } : {}),
    ...(followUp ? { followUp: { what: followUp.what, broken: inFlight.filter((r) => r.end !== 'complete' && r.endedAt >= followUp.at).length } } : {}),
  };
}
