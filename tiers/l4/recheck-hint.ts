// The hint an L7 node sends every L4 node when its own state changes (the
// operator's drain or down, its way back up): "check me now". It carries no
// verdict, only a name: the L4 node then checks that L7 node's monitor at
// once instead of at the end of its check interval, and the check decides.
// A forged or stray hint costs at most one early check. One UDP datagram on
// the agent-check port of the L4 node's own addresses. Pure.
import { toIpv6 } from '../../site/brand.js';
import type { Site, SiteNode } from '../../site/index.js';

const MAGIC = 'tierlb-recheck 1';
/** Longer than any hint this format makes; a larger datagram is not one. */
export const MAX_HINT_BYTES = 128;

export function recheckHintText(l7: string): string {
  return `${MAGIC} ${l7}\n`;
}

export type HintReading = { readonly ok: true; readonly l7: string } | { readonly ok: false; readonly why: string };

/** The L7 node a datagram names, if it is a hint from that node: its text, and the sender one of the node's addresses. */
export function readRecheckHint(site: Site, bytes: Uint8Array, from: string): HintReading {
  if (bytes.length > MAX_HINT_BYTES) return { ok: false, why: `datagram of ${bytes.length} bytes, longer than a hint` };
  const text = Buffer.from(bytes).toString('latin1');
  const m = /^tierlb-recheck 1 ([A-Za-z0-9][A-Za-z0-9._-]{0,62})\n?$/.exec(text);
  if (!m?.[1]) return { ok: false, why: 'not a recheck hint' };
  const node = site.nodes.find((n) => n.name === m[1] && n.role === 'l7');
  if (!node) return { ok: false, why: `names ${m[1]}, not an L7 node of the site` };
  const sender = from.replace(/^::ffff:/i, '');
  const v6 = sender.includes(':') ? toIpv6(sender) : undefined;
  if (sender !== node.addresses.ipv4 && !(v6?.ok === true && v6.value === node.addresses.ipv6)) return { ok: false, why: `from ${sender}, not an address of ${node.name}` };
  return { ok: true, l7: node.name };
}

/** The family an L4 node checks an L7 node on, and so the one the L7 node's hints come from: IPv4 when it has one. */
export function checkedFamily(l7: SiteNode): 'ipv4' | 'ipv6' {
  return l7.addresses.ipv4 !== undefined ? 'ipv4' : 'ipv6';
}

export interface HintTarget { readonly address: string; readonly port: number }

/** Where an L7 node's hints go: each L4 node's address of the checked family, on its agent-check port; from the L7 node's own. */
export function hintTargets(site: Site, l7: SiteNode): { readonly from: string; readonly to: readonly HintTarget[] } | undefined {
  const family = checkedFamily(l7);
  const from = l7.addresses[family];
  if (from === undefined) return undefined;
  const to = site.nodes.filter((n) => n.role === 'l4').flatMap((n) => {
    const address = n.addresses[family];
    return address === undefined ? [] : [{ address, port: n.agent.agentCheckPort }];
  });
  return { from, to };
}

/** Where an L4 node listens for hints: each of its addresses, on its agent-check port. */
export function hintEndpoints(l4: SiteNode): HintTarget[] {
  return [l4.addresses.ipv4, l4.addresses.ipv6].flatMap((a) => (a === undefined ? [] : [{ address: a, port: l4.agent.agentCheckPort }]));
}
