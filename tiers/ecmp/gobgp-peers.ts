// What a reflector's gobgpd runs, read from its gRPC API answers as
// proto-loader decodes them (`keepCase`, enums by name, 64-bit counters as
// strings): GetBgp's AS and router id, ListPeer's neighbors. An answer of
// another shape reads as undefined (no answer), never as a guess.
import { z } from 'zod';

export interface GobgpGlobal {
  readonly asn: number;
  readonly routerId: string;
}

export interface GobgpNeighbor {
  readonly address: string;
  readonly description: string;
  /** idle, connect, active, opensent, openconfirm, established, or unknown. */
  readonly state: string;
  /** Routes received and accepted, summed over the neighbor's families. */
  readonly received: number;
  readonly accepted: number;
}

const GetBgpJson = z.object({ global: z.object({ asn: z.number(), router_id: z.string() }) });

/** GetBgp: {"global":{"asn":64512,"router_id":"10.0.0.11",...}}. */
export function parseGobgpBgp(answer: unknown): GobgpGlobal | undefined {
  const parsed = GetBgpJson.safeParse(answer);
  return parsed.success ? { asn: parsed.data.global.asn, routerId: parsed.data.global.router_id } : undefined;
}

// uint64 counters come as decimal strings (proto-loader's `longs: String`), uint32 as numbers.
const Count = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional();
const PeerJson = z.object({
  peer: z.object({
    conf: z.object({ neighbor_address: z.string().optional(), description: z.string().optional() }).optional(),
    state: z.object({ neighbor_address: z.string().optional(), session_state: z.string().optional() }).optional(),
    afi_safis: z.array(z.object({ state: z.object({ received: Count, accepted: Count }).optional() })).optional(),
  }),
});

/** ListPeer: one answer per peer; a peer without an address is skipped, an answer of another shape makes it all unread. */
export function parseGobgpPeers(answers: readonly unknown[]): GobgpNeighbor[] | undefined {
  const neighbors: GobgpNeighbor[] = [];
  for (const answer of answers) {
    const parsed = PeerJson.safeParse(answer);
    if (!parsed.success) return undefined;
    const { conf, state, afi_safis: families = [] } = parsed.data.peer;
    const address = conf?.neighbor_address ?? state?.neighbor_address;
    if (address === undefined || address === '') continue;
    const count = (key: 'received' | 'accepted'): number => families.reduce((n, f) => n + (f.state?.[key] ?? 0), 0);
    neighbors.push({
      address,
      description: conf?.description ?? '',
      // apipb.PeerState.SessionState by name: ESTABLISHED, ACTIVE, ...
      state: (state?.session_state ?? 'unknown').toLowerCase(),
      received: count('received'),
      accepted: count('accepted'),
    });
  }
  return neighbors;
}
