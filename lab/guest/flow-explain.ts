// `tierlb explain` against the kernel: for flows the users opened, the L7
// node an L4 node's IPVS connection table shows must be the one `tierlb
// explain` names from that node's site file (its model of the kernel's
// Maglev table). One flow per virtual service (six at most), the L4 nodes
// taking turns; every L7 node is up and at full weight at this point of the
// demo, which is what `explain` assumes.
import { nodesWithRole } from '../../site/index.js';
import { nodeSiteFile } from '../script.js';
import { blocked, userRequests, type Check } from './bringup.js';
import { CLI_MS, inNode, progress, run, type LabEnv } from './env.js';
import { nodeOfAddress, request } from './observe.js';

/** One entry of `ipvsadm -Lnc`: the client, the virtual service and the real server it was sent to. */
export interface IpvsConnection {
  readonly protocol: string;
  readonly state: string;
  readonly client: string;
  readonly virtual: string;
  readonly destination: string;
}

const ENDPOINT = String.raw`(\[[0-9a-fA-F:.]+\]:\d+|[0-9.]+:\d+)`;
const ENTRY = new RegExp(String.raw`^(TCP|UDP|SCTP)\s+\S+\s+(\S+)\s+${ENDPOINT}\s+${ENDPOINT}\s+${ENDPOINT}\s*$`);

/** `ipvsadm -Lnc` → its entries; header lines and anything else are skipped. */
export function parseIpvsConnections(text: string): IpvsConnection[] {
  return text.split('\n').flatMap((line) => {
    const m = ENTRY.exec(line.trim());
    return m?.[1] && m[2] && m[3] && m[4] && m[5] ? [{ protocol: m[1], state: m[2], client: m[3], virtual: m[4], destination: m[5] }] : [];
  });
}

/** `[2001:db8::1]:80` → `2001:db8::1`; `10.0.0.1:80` → `10.0.0.1`. */
export const addressOf = (endpoint: string): string => endpoint.replace(/^\[(.*)\]:\d+$/, '$1').replace(/^([0-9.]+):\d+$/, '$1');

/** The L7 node `tierlb explain` names in its first outcome line ("goes to l7-2 (10.0.1.32), ..."). */
export function explainedNode(text: string): string | undefined {
  return /^\s+goes to (\S+) \(/m.exec(text)?.[1];
}

/**
 * One TCP connection per virtual service (a VIP and port of one family),
 * taken from the L4 nodes in turn so that each node's table is asked too:
 * every `tierlb explain` run costs seconds of the busy lab kernel's CPU.
 */
export function flowsToExplain(byNode: ReadonlyMap<string, readonly IpvsConnection[]>, most = 6): { l4: string; c: IpvsConnection }[] {
  const left = [...byNode].map(([l4, entries]) => ({ l4, entries: entries.filter((c) => c.protocol === 'TCP') }));
  const out: { l4: string; c: IpvsConnection }[] = [];
  const covered = new Set<string>();
  for (let found = true; found && out.length < most;) {
    found = false;
    for (const n of left) {
      const c = n.entries.find((x) => !covered.has(x.virtual));
      if (!c || out.length >= most) continue;
      covered.add(c.virtual);
      out.push({ l4: n.l4, c });
      found = true;
    }
  }
  return out;
}

/**
 * The users' entries: an L4 node's own checks through the tunnel are in the
 * table too, from its own address, steered by their firewall mark to the
 * node they check rather than by Maglev, so explain has nothing to say of them.
 */
export function usersFlows(entries: readonly IpvsConnection[], l4Addresses: ReadonlySet<string>): IpvsConnection[] {
  return entries.filter((c) => !l4Addresses.has(addressOf(c.client)));
}

export async function flowsExplained(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const name = 'tierlb explain names the L7 node that ipvsadm -Lnc shows for users\' flows';
  const l4 = nodesWithRole(env.site, 'l4').map((n) => n.name);
  const b = blocked(name, l4, up);
  if (b) return [b];
  if (!env.tierlb) return [{ name, ok: false, detail: 'the lab gave the checks no tierlb command (--tierlb)' }];
  progress(env, 'tierlb explain against the L4 nodes\' connection tables');
  await request(env, userRequests(env, 8));
  const own = new Set<string>(nodesWithRole(env.site, 'l4').flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined)));
  const tables = new Map(await Promise.all(l4.map(async (n): Promise<[string, IpvsConnection[]]> => [n, usersFlows(parseIpvsConnections((await inNode(env, n, 'ipvsadm', ['-Lnc'])).stdout), own)])));
  const flows = flowsToExplain(tables);
  if (flows.length === 0) return [{ name, ok: false, detail: 'no connection entry in any L4 node\'s IPVS table' }];
  const wrong: string[] = [];
  const agreed: string[] = [];
  for (const { l4: node, c } of flows) {
    const r = await run(env.node, [env.tierlb, 'explain', c.client, c.virtual, '--site', nodeSiteFile(env.stateDir, node), '--node', node], CLI_MS);
    const said = explainedNode(r.stdout);
    const kernel = nodeOfAddress(env, addressOf(c.destination));
    if (said === kernel) agreed.push(`${node} ${c.client} -> ${c.virtual}: ${kernel}`);
    else wrong.push(`${node} ${c.client} -> ${c.virtual}: kernel ${kernel}, explain ${said ?? `nothing (${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''})`}`);
  }
  progress(env, `  ${agreed.length}/${flows.length} flows: explain named the kernel's L7 node${agreed.length ? ` (${agreed.join('; ')})` : ''}${wrong.length ? `; not for ${wrong.join('; ')}` : ''}`);
  return [{ name, ok: wrong.length === 0, detail: `${flows.length - wrong.length}/${flows.length} flows on ${tables.size} L4 nodes${wrong.length ? `; ${wrong.slice(0, 3).join('; ')}` : ''}` }];
}
