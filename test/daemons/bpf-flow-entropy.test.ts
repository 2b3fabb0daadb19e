// The flow entropy program (bpf/flow-entropy.c) run by the host's kernel on
// crafted IPIP and ip6ip6 packets (BPF_PROG_TEST_RUN through bpftool), in a
// private mount namespace with its own bpffs, its maps filled as a loader
// fills them: a tunnelled packet from the node's own address leaves with an
// outer source chosen by its inner flow out of the configured ones, every
// packet of a flow with the same one, flows spread over all of them, the
// IPv4 header checksum still right, and nothing else touched.
import { beforeAll, describe, expect, it } from 'vitest';
import { ethernetFrame, ipPacket, le32, mapUpdate, progRun, runInKernel, sum16, tcpSegment, u16, type KernelRun } from './bpf-packets.js';

const OWN4 = [10, 0, 0, 21];
const OTHER4 = [10, 0, 0, 22];
const L7_4 = [10, 0, 1, 31];
const SOURCES4 = Array.from({ length: 32 }, (_, i) => [10, 0, 0, 64 + i]);
const USER4 = [203, 0, 113, 7];
const VIP4 = [198, 51, 100, 1];
const fd00 = (...tail: number[]): number[] => [0xfd, 0, ...Array(14 - tail.length).fill(0), ...tail];
const OWN6 = fd00(0x21);
// Other addresses of the node, each different from the own one in one 32-bit word.
const OTHERS6 = [[0xfd, 1, ...OWN6.slice(2)], [...OWN6.slice(0, 5), 1, ...OWN6.slice(6)], [...OWN6.slice(0, 9), 1, ...OWN6.slice(10)], fd00(0x22)];
const L7_6 = fd00(0x31);
const SOURCES6 = Array.from({ length: 32 }, (_, i) => fd00(0, 1, 0, 0x40 + i));
const USER6 = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
const VIP6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 198, 51, 100, 1];

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const SYN = 0x02;
const PSH_ACK = 0x18;
const FLOWS = 1000;
const PROGRAM = 'tierlb_flow_entropy';

interface Flow { readonly user: number[]; readonly vip: number[]; readonly sport: number }
const flow4 = (i: number): Flow => ({ user: USER4, vip: VIP4, sport: 32768 + i });
const flow6 = (i: number): Flow => ({ user: [...USER6.slice(0, 14), i >> 8, i & 0xff], vip: VIP6, sport: 32768 + i * 7 });

/** The SYN of a flow: no payload, an MSS option. */
const syn = (f: Flow): number[] => ipPacket({ src: f.user, dst: f.vip, protocol: TCP, payload: tcpSegment({ src: f.user, dst: f.vip, sport: f.sport, dport: 80, flags: SYN, options: [2, 4, 5, 0xb4] }) });

/** A later packet of a flow: other flags, payload, identification and TTL. */
function data(f: Flow, n: number, options: number[] = []): number[] {
  const payload = Array.from({ length: 1 + (n % 97) }, (_, i) => (n + i) & 0xff);
  return ipPacket({ src: f.user, dst: f.vip, protocol: TCP, id: n + 1, ttl: 57, options, payload: tcpSegment({ src: f.user, dst: f.vip, sport: f.sport, dport: 80, flags: PSH_ACK, payload }) });
}

/** An ICMP echo request, its checksum computed. */
function echoRequest(n: number): number[] {
  const message = [8, 0, 0, 0, ...u16(n), ...u16(n * 3), 1, 2, 3, 4];
  const check = 0xffff - sum16(message);
  message[2] = check >> 8;
  message[3] = check & 0xff;
  return message;
}

/** An inner packet in an IPIP (inner IPv4) or IPv6-in-IP (inner IPv6) outer header, in a frame. */
function tunnelled(src: number[], dst: number[], inner: number[], fragment?: number): Buffer {
  return ethernetFrame(ipPacket({ src, dst, protocol: (inner[0] ?? 0) >> 4 === 4 ? 4 : 41, payload: inner, fragment }));
}
const from4 = (inner: number[]): Buffer => tunnelled(OWN4, L7_4, inner);
const from6 = (inner: number[]): Buffer => tunnelled(OWN6, L7_6, inner);

/** The config entry of a family: count, then the own address in 16 bytes. */
const config = (count: number, own: number[]): number[] => [...le32(count), ...own, ...Array(16 - own.length).fill(0)];

/** An address as text: dotted for IPv4, eight uncompressed groups for IPv6. */
function text(bytes: readonly number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  return Array.from({ length: 8 }, (_, i) => (((bytes[2 * i] ?? 0) << 8) + (bytes[2 * i + 1] ?? 0)).toString(16)).join(':');
}

const isV4 = (p: Buffer): boolean => p[12] === 0x08;
const outerLength = (p: Buffer): number => (isV4(p) ? ((p[14] ?? 0) & 0xf) * 4 : 40);
const outerSource = (p: Buffer): string => text(isV4(p) ? [...p.subarray(26, 30)] : [...p.subarray(22, 38)]);
const outerChecksumOk = (p: Buffer): boolean => sum16([...p.subarray(14, 14 + outerLength(p))]) === 0xffff;
const inner = (p: Buffer): Buffer => p.subarray(14 + outerLength(p));

/** The packet with its outer source (and IPv4 header checksum) zeroed: what must never change. */
function withoutSource(p: Buffer): Buffer {
  const q = Buffer.from(p);
  if (isV4(q)) q.fill(0, 24, 30);
  else q.fill(0, 22, 38);
  return q;
}

const packets = new Map<string, Buffer>();
const commands: string[] = [];
/** Adds a packet and the line that runs the program on it, in the order of the calls. */
function send(name: string, p: Buffer): void {
  if (packets.has(name)) throw new Error(`expected one packet named ${name}, got two`);
  packets.set(name, p);
  commands.push(progRun(PROGRAM, name));
}

// Packets and what they count: [seen IPv4, seen IPv6, rewritten IPv4, rewritten IPv6].
const expectedStats = [0, 0, 0, 0];
function sendCounted(name: string, p: Buffer, rewritten: boolean): void {
  send(name, p);
  const family = isV4(p) ? 0 : 1;
  expectedStats[family] = (expectedStats[family] ?? 0) + 1;
  if (rewritten) expectedStats[family + 2] = (expectedStats[family + 2] ?? 0) + 1;
}

const SPREAD_GROUPS = {
  tcpPorts: (i: number) => from4(syn({ user: USER4, vip: VIP4, sport: 1024 + i })),
  udpPorts: (i: number) => from4(ipPacket({ src: USER4, dst: VIP4, protocol: UDP, payload: [0x80, i, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4] })),
  addresses: (i: number) => from4(syn({ user: [203, 0, 113 + (i >> 8), i & 0xff], vip: VIP4, sport: 40000 })),
  vips: (i: number) => from4(syn({ user: USER4, vip: [198, 51, 100 + (i >> 8), i & 0xff], sport: 40000 })),
  tcpPorts6: (i: number) => from6(syn({ user: USER6, vip: VIP6, sport: 1024 + i })),
  vips6: (i: number) => from6(syn({ user: USER6, vip: [...VIP6.slice(0, 14), i >> 8, i & 0xff], sport: 40000 })),
} as const;
const SPREAD_FLOWS = 200;
const FEW = 8;

function craft(): void {
  commands.push(
    mapUpdate('tierlb_fe_config', le32(0), config(SOURCES4.length, OWN4)),
    mapUpdate('tierlb_fe_config', le32(1), config(SOURCES6.length, OWN6)),
    ...SOURCES4.map((a, i) => mapUpdate('tierlb_fe_sources4', le32(i), a)),
    ...SOURCES6.map((a, i) => mapUpdate('tierlb_fe_sources6', le32(i), a)),
  );
  sendCounted('v4', from4(syn({ user: USER4, vip: VIP4, sport: 40000 })), true);
  sendCounted('v4Again', from4(syn({ user: USER4, vip: VIP4, sport: 40000 })), true);
  sendCounted('v6', from6(syn(flow6(0))), true);
  sendCounted('v6Again', from6(syn(flow6(0))), true);
  for (let i = 0; i < FLOWS; i++) {
    sendCounted(`v4Syn${i}`, from4(syn(flow4(i))), true);
    sendCounted(`v4Data${i}`, from4(data(flow4(i), i)), true);
    sendCounted(`v6Syn${i}`, from6(syn(flow6(i))), true);
    sendCounted(`v6Data${i}`, from6(data(flow6(i), i)), true);
  }
  for (const [group, make] of Object.entries(SPREAD_GROUPS)) for (let i = 0; i < SPREAD_FLOWS; i++) sendCounted(`${group}-${i}`, make(i), true);
  for (let i = 0; i < FEW; i++) {
    sendCounted(`plain${i}`, from4(data(flow4(i), i)), true);
    // Options NOP, NOP, NOP, end: the ports are 4 bytes further.
    sendCounted(`options${i}`, from4(data(flow4(i), i, [1, 1, 1, 0])), true);
    // The first and the second fragment of one packet: the first carries the TCP header.
    const segment = tcpSegment({ src: USER4, dst: VIP4, sport: 50000 + i, dport: 80, flags: PSH_ACK, payload: Array(40).fill(i) });
    sendCounted(`firstFragment${i}`, from4(ipPacket({ src: USER4, dst: VIP4, protocol: TCP, id: 7 + i, fragment: 0x2000, payload: segment.slice(0, 24) })), true);
    sendCounted(`laterFragment${i}`, from4(ipPacket({ src: USER4, dst: VIP4, protocol: TCP, id: 7 + i, fragment: 3, payload: segment.slice(24) })), true);
    // Echo requests of one user with other identifiers and sequence numbers: other checksums where ports would be.
    sendCounted(`echo${i}`, from4(ipPacket({ src: USER4, dst: VIP4, protocol: ICMP, payload: echoRequest(i) })), true);
  }
  sendCounted('v6InV4', from4(syn(flow6(1))), true);
  sendCounted('v4InV6', from6(syn(flow4(1))), true);
  send('v4NotOwn', tunnelled(OTHER4, L7_4, syn(flow4(0))));
  OTHERS6.forEach((other, i) => send(`v6NotOwn${i}`, tunnelled(other, L7_6, syn(flow6(0)))));
  send('v4NotTunnelled', ethernetFrame(syn({ user: OWN4, vip: L7_4, sport: 40000 })));
  send('v6NotTunnelled', ethernetFrame(syn({ user: OWN6, vip: L7_6, sport: 40000 })));
  send('v4OuterFragment', tunnelled(OWN4, L7_4, syn(flow4(0)), 0x2000));
  // Cut inside the inner headers: the kernel refuses to test-run a frame cut inside its outer header.
  sendCounted('v4TruncatedInner', from4(syn(flow4(0))).subarray(0, 14 + 20 + 12), false);
  sendCounted('v4TruncatedPorts', from4(syn(flow4(0))).subarray(0, 14 + 20 + 20 + 2), false);
  sendCounted('v6TruncatedInner', from6(syn(flow6(0))).subarray(0, 14 + 40 + 30), false);
  // Then the loader changes its mind: no IPv4 sources, too many, only the own address; no IPv6 sources.
  commands.push(mapUpdate('tierlb_fe_config', le32(0), config(0, OWN4)));
  send('v4CountZero', from4(syn(flow4(0))));
  commands.push(mapUpdate('tierlb_fe_config', le32(0), config(257, OWN4)));
  send('v4CountTooMany', from4(syn(flow4(0))));
  commands.push(mapUpdate('tierlb_fe_sources4', le32(0), OWN4), mapUpdate('tierlb_fe_config', le32(0), config(1, OWN4)));
  sendCounted('v4ChosenOwn', from4(syn(flow4(0))), false);
  commands.push(mapUpdate('tierlb_fe_config', le32(1), config(0, OWN6)));
  send('v6CountZero', from6(syn(flow6(0))));
}

let run: KernelRun;

beforeAll(async () => {
  craft();
  run = await runInKernel('flow-entropy.o', packets, commands, 'tierlb_fe_stats');
}, 90000);

const source = (name: string): string => outerSource(run.out(name));
const sent = (name: string): Buffer => packets.get(name) ?? Buffer.alloc(0);
const unchanged = (name: string): boolean => run.out(name).equals(sent(name));
const SOURCE_TEXTS4 = SOURCES4.map(text);
const SOURCE_TEXTS6 = SOURCES6.map(text);

/** How many flows of the named packets each source got, busiest first. */
function shares(names: readonly string[]): number[] {
  const byName = new Map<string, number>();
  for (const name of names) byName.set(source(name), (byName.get(source(name)) ?? 0) + 1);
  return [...byName.values()].sort((a, b) => b - a);
}
const range = (n: number, name: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => name(i));

describe('bpf/flow-entropy.c in the kernel', () => {
  it('gives an IPIP packet from the own address one of the sources, a valid header checksum and the same inner packet', () => {
    expect(outerSource(sent('v4'))).toBe('10.0.0.21');
    expect(SOURCE_TEXTS4).toContain(source('v4'));
    expect(outerChecksumOk(sent('v4'))).toBe(true);
    expect(outerChecksumOk(run.out('v4'))).toBe(true);
    expect(inner(run.out('v4')).equals(inner(sent('v4')))).toBe(true);
    expect(withoutSource(run.out('v4')).equals(withoutSource(sent('v4')))).toBe(true);
  });

  it('gives the same packet the same source every time', () => {
    expect(run.out('v4Again').equals(run.out('v4'))).toBe(true);
    expect(run.out('v6Again').equals(run.out('v6'))).toBe(true);
  });

  it('keeps one source for the SYN and a later packet of each of 1000 IPv4 flows, with valid checksums', () => {
    expect(range(FLOWS, (i) => source(`v4Data${i}`))).toEqual(range(FLOWS, (i) => source(`v4Syn${i}`)));
    expect(range(FLOWS, (i) => `v4Data${i}`).filter((name) => !outerChecksumOk(run.out(name)) || !SOURCE_TEXTS4.includes(source(name)))).toEqual([]);
  });

  it('spreads 1000 IPv4 flows over at least 16 of the 32 sources, none with more than twice its share', () => {
    const counts = shares(range(FLOWS, (i) => `v4Syn${i}`));
    expect(counts.length).toBeGreaterThanOrEqual(16);
    expect(counts[0]).toBeLessThanOrEqual((2 * FLOWS) / SOURCES4.length);
  });

  it('spreads flows that differ only in TCP ports, UDP ports, user address or VIP, IPv4 and IPv6', () => {
    const spread = Object.fromEntries(Object.keys(SPREAD_GROUPS).map((group) => [group, shares(range(SPREAD_FLOWS, (i) => `${group}-${i}`)).length >= 16]));
    expect(spread).toEqual({ tcpPorts: true, udpPorts: true, addresses: true, vips: true, tcpPorts6: true, vips6: true });
  });

  it('finds the ports of an inner IPv4 packet behind its options', () => {
    expect(range(FEW, (i) => source(`options${i}`))).toEqual(range(FEW, (i) => source(`plain${i}`)));
  });

  it('gives every fragment of an inner packet, and every echo request of a user, one source', () => {
    expect(range(FEW, (i) => source(`laterFragment${i}`))).toEqual(range(FEW, (i) => source(`firstFragment${i}`)));
    expect(new Set(range(FEW, (i) => source(`echo${i}`))).size).toBe(1);
    expect(SOURCE_TEXTS4).toContain(source('echo0'));
  });

  it('gives an ip6ip6 packet from the own address one of the sources, the same inner packet', () => {
    expect(SOURCE_TEXTS6).toContain(source('v6'));
    expect(inner(run.out('v6')).equals(inner(sent('v6')))).toBe(true);
    expect(withoutSource(run.out('v6')).equals(withoutSource(sent('v6')))).toBe(true);
  });

  it('keeps one source per IPv6 flow and spreads 1000 of them over at least 16 sources', () => {
    expect(range(FLOWS, (i) => source(`v6Data${i}`))).toEqual(range(FLOWS, (i) => source(`v6Syn${i}`)));
    const counts = shares(range(FLOWS, (i) => `v6Syn${i}`));
    expect(counts.length).toBeGreaterThanOrEqual(16);
    expect(counts[0]).toBeLessThanOrEqual((2 * FLOWS) / SOURCES6.length);
    expect(range(FLOWS, (i) => source(`v6Syn${i}`)).filter((s) => !SOURCE_TEXTS6.includes(s))).toEqual([]);
  });

  it('takes the source from the outer family: IPv6 in IPv4 and IPv4 in IPv6', () => {
    expect(SOURCE_TEXTS4).toContain(source('v6InV4'));
    expect(outerChecksumOk(run.out('v6InV4'))).toBe(true);
    expect(SOURCE_TEXTS6).toContain(source('v4InV6'));
  });

  it('leaves alone packets from another address, packets not tunnelled, outer fragments and truncated packets', () => {
    const untouched = ['v4NotOwn', ...OTHERS6.map((_, i) => `v6NotOwn${i}`), 'v4NotTunnelled', 'v6NotTunnelled', 'v4OuterFragment', 'v4TruncatedInner', 'v4TruncatedPorts', 'v6TruncatedInner'];
    expect(untouched.filter((name) => !unchanged(name))).toEqual([]);
  });

  it('leaves a family alone when its count is 0 or above 256', () => {
    expect(['v4CountZero', 'v4CountTooMany', 'v6CountZero'].filter((name) => !unchanged(name))).toEqual([]);
  });

  it('leaves a packet whose chosen source is the own address as it was', () => {
    expect(unchanged('v4ChosenOwn')).toBe(true);
  });

  it('counts per family the tunnelled packets from the own address it saw and the ones it rewrote', () => {
    // Seen and not rewritten: truncated inner headers and the own address chosen.
    expect(expectedStats).toEqual([2 * FLOWS + 4 * SPREAD_FLOWS + 5 * FEW + 6, 2 * FLOWS + 2 * SPREAD_FLOWS + 4, 2 * FLOWS + 4 * SPREAD_FLOWS + 5 * FEW + 3, 2 * FLOWS + 2 * SPREAD_FLOWS + 3]);
    expect(run.stats).toEqual(expectedStats);
  });
});
