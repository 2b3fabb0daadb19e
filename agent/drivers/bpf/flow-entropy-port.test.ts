import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { flowEntropyStatsOfDump, MAX_SOURCES, tableLines } from './flow-entropy-port.js';
import { upDeviceOf } from './tc-program.js';

describe('tableLines', () => {
  it('writes a family\'s sources, then its config: the count and the own address in 16 bytes', () => {
    expect(tableLines([{ family: 'ipv4', own: '10.0.0.21', sources: ['10.0.0.64', '10.0.0.65'] }])).toEqual([
      'map update pinned /sys/fs/bpf/tc/globals/tierlb_fe_sources4 key 0x00 0x00 0x00 0x00 value 0x0a 0x00 0x00 0x40',
      'map update pinned /sys/fs/bpf/tc/globals/tierlb_fe_sources4 key 0x01 0x00 0x00 0x00 value 0x0a 0x00 0x00 0x41',
      `map update pinned /sys/fs/bpf/tc/globals/tierlb_fe_config key 0x00 0x00 0x00 0x00 value 0x02 0x00 0x00 0x00 0x0a 0x00 0x00 0x15${' 0x00'.repeat(12)}`,
    ]);
  });

  it('turns a family off with a count of 0, and keys IPv6 as 1', () => {
    expect(tableLines([{ family: 'ipv6', own: 'fd00::21', sources: [] }])).toEqual([
      `map update pinned /sys/fs/bpf/tc/globals/tierlb_fe_config key 0x01 0x00 0x00 0x00 value 0x00 0x00 0x00 0x00 0xfd${' 0x00'.repeat(14)} 0x21`,
    ]);
  });

  it('refuses more sources than the program holds', () => {
    const sources = Array.from({ length: MAX_SOURCES + 1 }, (_, i) => `10.0.${i >> 8}.${i & 0xff}`);
    expect(() => tableLines([{ family: 'ipv4', own: '10.0.0.21', sources }])).toThrow(/at most 256/);
  });
});

describe('flowEntropyStatsOfDump', () => {
  it('adds up the per-CPU counts by key', () => {
    const entry = (key: number, a: number, b: number): string => `{"key":["0x0${key}","0x00","0x00","0x00"],"values":[],"formatted":{"key":${key},"values":[{"cpu":0,"value":${a}},{"cpu":1,"value":${b}}]}}`;
    expect(flowEntropyStatsOfDump(`[${entry(0, 5, 5)},${entry(1, 1, 0)},${entry(2, 4, 5)},${entry(3, 0, 1)}]`)).toEqual({ seen: { ipv4: 10, ipv6: 1 }, rewritten: { ipv4: 9, ipv6: 1 } });
    expect(flowEntropyStatsOfDump('[]')).toBeUndefined();
  });
});

describe('upDeviceOf', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo => (
    family === 'IPv4'
      ? { address, family, netmask: '255.255.255.255', mac: '00:00:00:00:00:00', internal: false, cidr: null }
      : { address, family, netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 });
  const list = { lo: [info('127.0.0.1', 'IPv4')], eth0: [info('10.0.0.21', 'IPv4'), info('fd00::21', 'IPv6')] };

  it('finds the device of an address, IPv6 in any spelling', () => {
    expect(upDeviceOf('10.0.0.21', list)).toBe('eth0');
    expect(upDeviceOf('fd00:0:0::21', list)).toBe('eth0');
  });

  it('finds none for an address no listed device holds', () => {
    expect(upDeviceOf('10.0.0.22', list)).toBeUndefined();
  });

  it('reads this process\'s own namespace by default: loopback holds 127.0.0.1', () => {
    expect(upDeviceOf('127.0.0.1')).toBe('lo');
  });
});
