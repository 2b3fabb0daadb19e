// What a capture of tunnelled packets says about flow entropy: for each
// user's flow (the inner addresses and ports), the outer sources its packets
// carried. Read from `tcpdump -t -nn` lines of IPIP and ip6ip6 packets,
// which print the outer header and then the inner one. Pure.

export interface OuterSources {
  /** Inner flow (`src.port > dst.port`) → the outer sources seen for it. */
  readonly flows: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every outer source seen, with how many flows used it. */
  readonly sources: ReadonlyMap<string, number>;
  readonly packets: number;
  /**
   * Connections opened (SYNs): more than `flows` when a client reused the
   * address and port of a finished connection, which then hashes, and must
   * be sent, the same way.
   */
  readonly syns: number;
}

// "IP 10.0.0.70 > 10.0.1.33: IP 10.0.0.21.35872 > 198.51.100.1.80: Flags [S], ...",
// after the device and direction when captured on any ("eth0  In  IP ...").
const LINE = /(?:^|\s)IP6? (\S+) > (\S+): IP6? (\S+)\.(\d+) > (\S+)\.(\d+): /;

/**
 * `to`: only the packets whose inner destination it accepts (address as
 * tcpdump prints it, port): the flows' own VIP and port, not the other
 * connections through the same tunnel (the L4 node's checks of every VIP).
 */
export function outerSources(capture: string, to: (address: string, port: number) => boolean = () => true): OuterSources {
  const flows = new Map<string, Set<string>>();
  let packets = 0;
  let syns = 0;
  for (const line of capture.split('\n')) {
    const text = line.trim();
    const m = LINE.exec(text);
    if (!m || !to(m[5] ?? '', Number(m[6]))) continue;
    packets++;
    if (text.slice(m.index + m[0].length).startsWith('Flags [S],')) syns++;
    const key = `${m[3]}.${m[4]} > ${m[5]}.${m[6]}`;
    const seen = flows.get(key) ?? new Set<string>();
    seen.add(m[1] ?? '');
    flows.set(key, seen);
  }
  const sources = new Map<string, number>();
  for (const seen of flows.values()) for (const s of seen) sources.set(s, (sources.get(s) ?? 0) + 1);
  return { flows, sources, packets, syns };
}

/** The flows whose packets came from more than one outer source. */
export function splitFlows(o: OuterSources): string[] {
  return [...o.flows].filter(([, seen]) => seen.size > 1).map(([flow]) => flow);
}
