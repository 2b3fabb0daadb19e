// The MSS clamp (bpf/mss-clamp.c) run by the host's kernel on crafted
// packets (BPF_PROG_TEST_RUN through bpftool), in a private mount namespace
// with its own bpffs: compiled by Debian's clang, loaded by the verifier, its
// maps filled as a loader fills them; every SYN-ACK from a VIP leaves with
// the MSS lowered and a checksum that still adds up, and nothing else is
// touched.
import { beforeAll, describe, expect, it } from 'vitest';
import { ethernetFrame, ipPacket, le32, mapUpdate, progRun, pseudoHeader, runInKernel, sum16, tcpSegment, type KernelRun } from './bpf-packets.js';

const VIP4 = [198, 51, 100, 1];
const VIP6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const OTHER4 = [10, 0, 1, 31];
const USER4 = [203, 0, 113, 7];
const USER6 = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];

interface Segment { readonly src: number[]; readonly dst: number[]; readonly flags: number; readonly mss?: number }

/** A SYN-ACK-like segment from port 80 with MSS, NOP, NOP, SACK-permitted options (or none), in a frame. */
function packet(s: Segment): Buffer {
  const options = s.mss === undefined ? [] : [2, 4, (s.mss >> 8) & 0xff, s.mss & 0xff, 1, 1, 4, 2];
  const segment = tcpSegment({ src: s.src, dst: s.dst, sport: 80, dport: 40000, flags: s.flags, options });
  return ethernetFrame(ipPacket({ src: s.src, dst: s.dst, protocol: 6, payload: segment }));
}

/** The MSS option of a packet as `packet` lays it out, and whether its TCP checksum adds up. */
function readBack(p: Buffer): { mss: number | undefined; checksumOk: boolean } {
  const v4 = p[12] === 0x08;
  const l3 = 14;
  const src = [...p.subarray(l3 + (v4 ? 12 : 8), l3 + (v4 ? 16 : 24))];
  const dst = [...p.subarray(l3 + (v4 ? 16 : 24), l3 + (v4 ? 20 : 40))];
  const l4 = l3 + (v4 ? 20 : 40);
  const segment = [...p.subarray(l4)];
  const hasMss = segment.length > 20 && segment[20] === 2;
  return { mss: hasMss ? ((segment[22] ?? 0) << 8) + (segment[23] ?? 0) : undefined, checksumOk: sum16([...pseudoHeader(src, dst, 6, segment.length), ...segment]) === 0xffff };
}

const SYN_ACK = 0x12;
const CASES: Record<string, Segment> = {
  v4SynAck: { src: VIP4, dst: USER4, flags: SYN_ACK, mss: 1460 },
  v6SynAck: { src: VIP6, dst: USER6, flags: SYN_ACK, mss: 1440 },
  v4Small: { src: VIP4, dst: USER4, flags: SYN_ACK, mss: 1200 },
  v4NotVip: { src: OTHER4, dst: USER4, flags: SYN_ACK, mss: 1460 },
  v4Syn: { src: VIP4, dst: USER4, flags: 0x02, mss: 1460 },
  v4Ack: { src: VIP4, dst: USER4, flags: 0x10 },
};

let run: KernelRun;

beforeAll(async () => {
  const packets = new Map(Object.entries(CASES).map(([name, c]) => [name, packet(c)]));
  run = await runInKernel('mss-clamp.o', packets, [
    mapUpdate('tierlb_mss_config', le32(0), le32(1440)),
    mapUpdate('tierlb_mss_config', le32(1), le32(1400)),
    mapUpdate('tierlb_mss_vips4', VIP4, [1]),
    mapUpdate('tierlb_mss_vips6', VIP6, [1]),
    ...Object.keys(CASES).map((name) => progRun('tierlb_mss_clamp', name)),
  ], 'tierlb_mss_stats');
}, 90000);

const out = (name: string): ReturnType<typeof readBack> => readBack(run.out(name));

describe('bpf/mss-clamp.c in the kernel', () => {
  it('lowers the MSS of an IPv4 SYN-ACK from a VIP to the IPv4 setting, checksum still right', () => {
    expect(readBack(packet(CASES.v4SynAck as Segment))).toEqual({ mss: 1460, checksumOk: true });
    expect(out('v4SynAck')).toEqual({ mss: 1440, checksumOk: true });
  });

  it('lowers the MSS of an IPv6 SYN-ACK from a VIP to the IPv6 setting, checksum still right', () => {
    expect(out('v6SynAck')).toEqual({ mss: 1400, checksumOk: true });
  });

  it('never raises an MSS already below the setting', () => {
    expect(out('v4Small')).toEqual({ mss: 1200, checksumOk: true });
  });

  it('leaves a SYN-ACK from an address that is not a VIP, a SYN and a plain ACK alone', () => {
    expect(out('v4NotVip')).toEqual({ mss: 1460, checksumOk: true });
    expect(out('v4Syn')).toEqual({ mss: 1460, checksumOk: true });
    expect(run.out('v4Ack').equals(packet(CASES.v4Ack as Segment))).toBe(true);
  });

  it('counts the SYN-ACKs from VIPs it saw and the ones it clamped, per family', () => {
    // seen v4, seen v6, clamped v4, clamped v6: the small one was seen, not clamped.
    expect(run.stats).toEqual([2, 1, 1, 1]);
  });
});
