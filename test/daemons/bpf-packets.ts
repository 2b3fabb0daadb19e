// What the tests of the BPF programs (bpf/*.c) share: packets crafted byte by
// byte (arrays of numbers, checksums computed here, never by the code under
// test), and a run of one program in the host's kernel with
// BPF_PROG_TEST_RUN through `bpftool batch`, in a private mount namespace
// with a bpffs of its own: compiled by Debian's clang, loaded by the
// verifier, its maps filled as a loader fills them.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/site.js';

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

/** The ones' complement sum of 16-bit words, folded. */
export function sum16(bytes: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The pseudo-header a TCP checksum covers, IPv4 (4-byte addresses) or IPv6. */
export function pseudoHeader(src: readonly number[], dst: readonly number[], protocol: number, length: number): number[] {
  return src.length === 4 ? [...src, ...dst, 0, protocol, ...u16(length)] : [...src, ...dst, 0, 0, ...u16(length), 0, 0, 0, protocol];
}

export interface TcpSpec {
  readonly src: readonly number[];
  readonly dst: readonly number[];
  readonly sport: number;
  readonly dport: number;
  readonly flags: number;
  readonly options?: readonly number[];
  readonly payload?: readonly number[];
}

/** A TCP segment, sequence and acknowledgement numbers 1, checksum over the pseudo-header. */
export function tcpSegment(t: TcpSpec): number[] {
  const options = t.options ?? [];
  const length = 20 + options.length;
  const segment = [...u16(t.sport), ...u16(t.dport), 0, 0, 0, 1, 0, 0, 0, 1, (length / 4) << 4, t.flags, ...u16(65535), 0, 0, 0, 0, ...options, ...(t.payload ?? [])];
  const check = 0xffff - sum16([...pseudoHeader(t.src, t.dst, 6, segment.length), ...segment]);
  segment[16] = check >> 8;
  segment[17] = check & 0xff;
  return segment;
}

export interface IpSpec {
  readonly src: readonly number[];
  readonly dst: readonly number[];
  readonly protocol: number;
  readonly payload: readonly number[];
  /** IPv4 only: identification, flags and fragment offset (default DF), options. */
  readonly id?: number;
  readonly fragment?: number;
  readonly options?: readonly number[];
  readonly ttl?: number;
}

/** An IPv4 packet (4-byte addresses, header checksum computed) or an IPv6 packet without extension headers. */
export function ipPacket(p: IpSpec): number[] {
  const ttl = p.ttl ?? 64;
  if (p.src.length !== 4) return [0x60, 0, 0, 0, ...u16(p.payload.length), p.protocol, ttl, ...p.src, ...p.dst, ...p.payload];
  const options = p.options ?? [];
  const header = [0x45 + options.length / 4, 0, ...u16(20 + options.length + p.payload.length), ...u16(p.id ?? 0), ...u16(p.fragment ?? 0x4000), ttl, p.protocol, 0, 0, ...p.src, ...p.dst, ...options];
  const check = 0xffff - sum16(header);
  header[10] = check >> 8;
  header[11] = check & 0xff;
  return [...header, ...p.payload];
}

/** An Ethernet frame around an IP packet, its type from the version. */
export function ethernetFrame(ip: readonly number[]): Buffer {
  const type = (ip[0] ?? 0) >> 4 === 4 ? [0x08, 0x00] : [0x86, 0xdd];
  return Buffer.from([...Array(12).fill(2), ...type, ...ip]);
}

export const hex = (bytes: readonly number[]): string => bytes.map((b) => `0x${b.toString(16)}`).join(' ');
export const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff];

const PIN = '/sys/fs/bpf';

/** A `bpftool batch` line that writes one entry of a pinned map. */
export const mapUpdate = (map: string, key: readonly number[], value: readonly number[]): string => `map update pinned ${PIN}/${map} key ${hex(key)} value ${hex(value)}`;

/** A `bpftool batch` line that runs the program on the packet `name` (see runInKernel). */
export const progRun = (program: string, name: string): string => `prog run pinned ${PIN}/progs/${program} data_in ${name}.in data_out ${name}.out`;

/** Which packet the batch stopped at, from the runs it reported before it did. */
function failedRun(dir: string, commands: readonly string[]): string {
  const log = existsSync(join(dir, 'batch.log')) ? readFileSync(join(dir, 'batch.log'), 'utf8') : '';
  const done = log.split('\n').filter((l) => l.startsWith('Return value')).length;
  const next = commands.filter((c) => c.startsWith('prog run '))[done];
  return next === undefined ? '' : ` at packet ${/data_in (\S+)\.in/.exec(next)?.[1] ?? '?'}`;
}

export interface KernelRun {
  /** The packet `name` as the program left it. */
  readonly out: (name: string) => Buffer;
  /** The per-CPU counters of the stats map, summed, by key. */
  readonly stats: number[];
}

/**
 * Builds every bpf/*.c, loads `object` (bpf/build name) into a fresh bpffs,
 * writes `packets` as NAME.in and runs `commands` (bpftool batch lines, in
 * order: map updates and progRun lines), then reads `statsMap`.
 */
export async function runInKernel(object: string, packets: ReadonlyMap<string, Buffer>, commands: readonly string[], statsMap: string): Promise<KernelRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-bpf-'));
  try {
    const built = await execa(process.execPath, [join(REPO, 'bpf', 'build.mjs'), '--out', dir], { reject: false, all: true });
    if (built.exitCode !== 0) throw new Error(`bpf/build.mjs: ${built.all ?? ''}`);
    for (const [name, p] of packets) writeFileSync(join(dir, `${name}.in`), p);
    writeFileSync(join(dir, 'commands'), `${commands.join('\n')}\n`);
    const script = [
      'set -e',
      `mount -t bpf bpf ${PIN}`,
      `bpftool prog loadall ${object} ${PIN}/progs type classifier`,
      'bpftool batch file commands > batch.log',
      `bpftool -j map dump pinned ${PIN}/${statsMap} > stats.json`,
    ].join('\n');
    const r = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { cwd: dir, reject: false, all: true, timeout: 60000 });
    if (r.exitCode !== 0) throw new Error(`loading and running the program failed${failedRun(dir, commands)}:\n${r.all ?? ''}`);
    // With the object's BTF, bpftool gives the values decoded as `formatted`, one per CPU.
    const dump = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as { formatted: { key: number; values: { value: number }[] } }[];
    const stats = dump.map((e) => e.formatted).sort((a, b) => a.key - b.key).map((e) => e.values.reduce((n, v) => n + v.value, 0));
    const outputs = new Map([...packets.keys()].map((name) => [name, readFileSync(join(dir, `${name}.out`))]));
    return {
      out: (name) => {
        const p = outputs.get(name);
        if (!p) throw new Error(`expected a packet named ${name}, got none`);
        return p;
      },
      stats,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
