// Flows that changed L4 node while a scenario ran, from the L4 nodes'
// connection tables recorded every few seconds (`## NODE TIME` then
// `ipvsadm -Lnc`). A flow counts as moved when two L4 nodes both saw a packet
// of it within the same 10 s (an ESTABLISHED entry refreshed to 15 min minus
// at most 10 s, in the same snapshot); Maglev should then have sent it to the
// same L7 node on both. Pure.

export interface ConnectionMoves {
  /** Flows (client address:port → VIP:port) active on more than one L4 node at once. */
  readonly moved: number;
  /** Of those, the flows the L4 nodes sent to different L7 nodes: each one is reset by the L7 node that does not know it. */
  readonly split: number;
  /** A few of the split ones, `client vip: node→l7, node→l7`. */
  readonly examples: readonly string[];
}

/** IPVS's ESTABLISHED timeout (15 min) less the window a refresh counts in. */
const FRESH_S = 15 * 60 - 10;

export function connectionMoves(text: string): ConnectionMoves {
  const moved = new Set<string>();
  const split = new Map<string, string>();
  let node = '';
  let snapshot = new Map<string, Map<string, string>>();
  const close = (): void => {
    for (const [flow, byNode] of snapshot) {
      if (byNode.size < 2) continue;
      moved.add(flow);
      if (new Set(byNode.values()).size > 1) split.set(flow, `${flow}: ${[...byNode].map(([n, d]) => `${n}→${d}`).join(', ')}`);
    }
  };
  let stamp = '';
  for (const line of text.split('\n')) {
    const head = /^## (\S+) (\S+)/.exec(line);
    if (head) {
      // One snapshot is every node read at the same stamp.
      if (head[2] !== stamp) { close(); snapshot = new Map(); stamp = head[2] ?? ''; }
      node = head[1] ?? '';
      continue;
    }
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] !== 'TCP' || f[2] !== 'ESTABLISHED') continue;
    const m = /^(\d+):(\d\d)$/.exec(f[1] ?? '');
    if (!m || Number(m[1]) * 60 + Number(m[2]) < FRESH_S) continue;
    const flow = `${f[3]} ${f[4]}`;
    const byNode = snapshot.get(flow) ?? new Map<string, string>();
    byNode.set(node, f[5] ?? '');
    snapshot.set(flow, byNode);
  }
  close();
  return { moved: moved.size, split: split.size, examples: [...split.values()].slice(0, 3) };
}
