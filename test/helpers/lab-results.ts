// The lab's results as its tests read them: the checks in results.json (the
// log folder the lab names in its output), and the behaviours every lab run
// must show, each as the test sentence and the check names it covers. The
// lab suite (one boot of the lab kernel) and the host-mode test (the lab in
// host namespaces inside the lab kernel) assert the same list.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabCheck { readonly name: string; readonly ok: boolean; readonly detail: string }
export interface LabResults { readonly logDir: string; readonly upAtSeconds: number; readonly checks: readonly LabCheck[] }

/** The results of the lab whose output this is; throws with the output's end when it wrote none. */
export function labResults(output: string): LabResults {
  const logDir = /logs of every agent and daemon: (\S+)/.exec(output)?.[1];
  if (!logDir) throw new Error(`the lab printed no log folder:\n${output.slice(-4000)}`);
  return labResultsIn(logDir);
}

/** The results a lab wrote into `logDir`. */
export function labResultsIn(logDir: string): LabResults {
  const r = JSON.parse(readFileSync(join(logDir, 'results.json'), 'utf8')) as { upAtSeconds: number; checks: LabCheck[] };
  return { logDir, upAtSeconds: r.upAtSeconds, checks: r.checks };
}

export const LAB_BEHAVIOURS: readonly { readonly sentence: string; readonly checks: RegExp }[] = [
  { sentence: 'runs every node\'s agent', checks: /every node's agent is running/ },
  { sentence: 'establishes the routers\' BGP sessions', checks: /BGP sessions established/ },
  { sentence: 'gives every router one next hop per healthy L4 node for every VIP', checks: /one next hop per healthy L4 node/ },
  { sentence: 'answers requests from the users to every VIP over IPv4 and IPv6', checks: /requests from the users to every VIP/ },
  { sentence: 'answers the site\'s DNS names with the VIPs', checks: /DNS answers/ },
  { sentence: 'names with tierlb explain the L7 node each L4 node\'s kernel chose for users\' flows', checks: /^tierlb explain names/ },
  { sentence: 'withdraws a disabled L4 node from the routers while users are still served, and takes it back', checks: /\/etc\/lb\/disable on/ },
  { sentence: 'keeps long downloads through a withdrawn L4 node', checks: /long downloads/ },
  { sentence: 'gives an L7 node in maintenance weight 0 on every L4 node while users are still served, and restores it', checks: /agent-check: L4 nodes give it weight/ },
  { sentence: 'drains a server in every HAProxy while users are still served, and restores it', checks: /agent-check: (every HAProxy drains it|back in every HAProxy)/ },
  { sentence: 'takes an L7 node that blackholes a VIP while its monitor answers out of that service on every L4 node, by its checks through the tunnel, with no request failing after, and gives it back (and shows the failures without those checks)', checks: /^iptables DROP of \S+ on / },
  { sentence: 'puts back an L7 node\'s kernel state undone by hand: a sysctl at its read of the kernel, a VIP address and a tunnel device on the kernel\'s events', checks: /^drift on / },
  { sentence: 'announces a VIP added to the running site from every L4 node, answers it, and withdraws a disabled L4 node\'s next hop for it', checks: /^live edit: / },
  { sentence: 'shows every VIP with all its tiers in tierlb status --site, from the users\' side through etcd', checks: /^tierlb status --site/ },
  { sentence: 'drains a server in every HAProxy and withdraws an L4 node (graceful-shutdown first) through etcd from the users\' side, takes both back, and shows all four changes in tierlb history', checks: /^tierlb (depool|pool|history) (srv|l4|shows)/ },
  { sentence: 'pools a server again by itself when its depool\'s ttl ends', checks: /--ttl 20s/ },
  { sentence: 'moves nothing when etcd (or one member of a cluster) is stopped and cut off, keeps a restarted agent\'s state, says so, and catches up', checks: /^(etcd (stopped|unreachable|back)|one etcd member)/ },
];

/** The checks a pattern names; throws, listing every check, when there is none. */
export function checksMatching(results: LabResults, pattern: RegExp): LabCheck[] {
  const found = results.checks.filter((c) => pattern.test(c.name));
  if (found.length === 0) throw new Error(`no lab check matches ${pattern}; checks: ${results.checks.map((c) => c.name).join(' | ')}`);
  return found;
}
