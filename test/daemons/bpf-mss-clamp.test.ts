// The MSS clamp (bpf/mss-clamp.c) run by the host's kernel on crafted
// packets (BPF_PROG_TEST_RUN through bpftool), in a private mount namespace
// with its own bpffs: compiled by Debian's clang, loaded by the verifier, its
// maps filled as a loader fills them; every SYN-ACK from a VIP leaves with
// the MSS lowered and a checksum that still adds up, and nothing else is
// touched.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

const VIP4 = [198, 51, 100, 1];
const VIP6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const OTHER4 = [10, 0, 1, 31];
const USER4 = [203, 0, 113, 7];
const USER6 = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];

/** The ones' complement sum of 16-bit words, folded. */
function sum16(bytes: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

interface Segment { readonly src: number[]; readonly dst: number[]; readonly flags: number; readonly mss?: number }

/** A TCP header with MSS, NOP, NOP, SACK-permitted options (or none), checksum over the pseudo-header. */
function tcp(s: Segment): number[] {
  const options = s.mss === undefined ? [] : [2, 4, ...u16(s.mss), 1, 1, 4, 2];
  const length = 20 + options.length;
  const header = [...u16(80), ...u16(40000), 0, 0, 0, 1, 0, 0, 0, 1, (length / 4) << 4, s.flags, ...u16(65535), 0, 0, 0, 0, ...options];
  const pseudo = s.src.length === 4 ? [...s.src, ...s.dst, 0, 6, ...u16(length)] : [...s.src, ...s.dst, 0, 0, ...u16(length), 0, 0, 0, 6];
  const check = 0xffff - sum16([...pseudo, ...header]);
  header[16] = check >> 8;
  header[17] = check & 0xff;
  return header;
}

function packet(s: Segment): Buffer {
  const t = tcp(s);
  const v4 = s.src.length === 4;
  const eth = [...Array(12).fill(2), ...(v4 ? [0x08, 0x00] : [0x86, 0xdd])];
  if (!v4) return Buffer.from([...eth, 0x60, 0, 0, 0, ...u16(t.length), 6, 64, ...s.src, ...s.dst, ...t]);
  const ip = [0x45, 0, ...u16(20 + t.length), 0, 0, 0x40, 0, 64, 6, 0, 0, ...s.src, ...s.dst];
  const check = 0xffff - sum16(ip);
  ip[10] = check >> 8;
  ip[11] = check & 0xff;
  return Buffer.from([...eth, ...ip, ...t]);
}

/** The MSS option of a packet as `packet` lays it out, and whether its TCP checksum adds up. */
function readBack(p: Buffer): { mss: number | undefined; checksumOk: boolean } {
  const v4 = p[12] === 0x08;
  const l3 = 14;
  const src = [...p.subarray(l3 + (v4 ? 12 : 8), l3 + (v4 ? 16 : 24))];
  const dst = [...p.subarray(l3 + (v4 ? 16 : 24), l3 + (v4 ? 20 : 40))];
  const l4 = l3 + (v4 ? 20 : 40);
  const segment = [...p.subarray(l4)];
  const pseudo = v4 ? [...src, ...dst, 0, 6, ...u16(segment.length)] : [...src, ...dst, 0, 0, ...u16(segment.length), 0, 0, 0, 6];
  const hasMss = segment.length > 20 && segment[20] === 2;
  return { mss: hasMss ? ((segment[22] ?? 0) << 8) + (segment[23] ?? 0) : undefined, checksumOk: sum16([...pseudo, ...segment]) === 0xffff };
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

const hex = (bytes: readonly number[]): string => bytes.map((b) => `0x${b.toString(16)}`).join(' ');
const le32 = (v: number): string => hex([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff]);

let dir = '';
let stats: number[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tierlb-bpf-'));
  const built = await execa(process.execPath, [join(REPO, 'bpf', 'build.mjs'), '--out', dir], { reject: false, all: true });
  if (built.exitCode !== 0) throw new Error(`bpf/build.mjs: ${built.all ?? ''}`);
  for (const [name, s] of Object.entries(CASES)) writeFileSync(join(dir, `${name}.in`), packet(s));
  const pin = '/sys/fs/bpf';
  const script = [
    'set -e',
    `mount -t bpf bpf ${pin}`,
    `bpftool prog loadall ${dir}/mss-clamp.o ${pin}/progs type classifier`,
    `bpftool map update pinned ${pin}/tierlb_mss_config key ${le32(0)} value ${le32(1440)}`,
    `bpftool map update pinned ${pin}/tierlb_mss_config key ${le32(1)} value ${le32(1400)}`,
    `bpftool map update pinned ${pin}/tierlb_mss_vips4 key ${hex(VIP4)} value 1`,
    `bpftool map update pinned ${pin}/tierlb_mss_vips6 key ${hex(VIP6)} value 1`,
    ...Object.keys(CASES).map((name) => `bpftool prog run pinned ${pin}/progs/tierlb_mss_clamp data_in ${dir}/${name}.in data_out ${dir}/${name}.out > /dev/null`),
    `bpftool -j map dump pinned ${pin}/tierlb_mss_stats > ${dir}/stats.json`,
  ].join('\n');
  const r = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { reject: false, all: true, timeout: 60000 });
  if (r.exitCode !== 0) throw new Error(`loading and running the program failed:\n${r.all ?? ''}`);
  // With the object's BTF, bpftool gives the values decoded as `formatted`, one per CPU.
  const dump = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as { formatted: { key: number; values: { value: number }[] } }[];
  stats = dump.map((e) => e.formatted).sort((a, b) => a.key - b.key).map((e) => e.values.reduce((n, v) => n + v.value, 0));
}, 90000);

const out = (name: string): ReturnType<typeof readBack> => readBack(readFileSync(join(dir, `${name}.out`)));

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
    expect(readFileSync(join(dir, 'v4Ack.out')).equals(packet(CASES.v4Ack as Segment))).toBe(true);
  });

  it('counts the SYN-ACKs from VIPs it saw and the ones it clamped, per family', () => {
    // seen v4, seen v6, clamped v4, clamped v6: the small one was seen, not clamped.
    expect(stats).toEqual([2, 1, 1, 1]);
  });
});
