import { describe, expect, it } from 'vitest';
import { addressBytes, addressOf, batchLines, statsOfDump, vipsOfDump } from './mss-clamp-port.js';

describe('addresses as the maps key them', () => {
  it('gives IPv4 and IPv6 in network order and back', () => {
    expect(addressBytes('198.51.100.1')).toEqual([198, 51, 100, 1]);
    expect(addressBytes('2001:db8::c633:6401')).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xc6, 0x33, 0x64, 0x01]);
    expect(addressBytes('::1')).toEqual([...Array(15).fill(0), 1]);
    expect(addressOf(addressBytes('2001:db8::c633:6401'))).toBe('2001:db8:0:0:0:0:c633:6401');
    expect(addressOf([198, 51, 100, 1])).toBe('198.51.100.1');
  });
});

describe('batchLines', () => {
  it('removes, then adds, then sets the MSS, each VIP in the map of its family', () => {
    expect(batchLines({ remove: ['198.51.100.9'], add: ['2001:db8::1'], mss: { ipv4: 1440 } })).toEqual([
      'map delete pinned /sys/fs/bpf/tc/globals/tierlb_mss_vips4 key 0xc6 0x33 0x64 0x09',
      'map update pinned /sys/fs/bpf/tc/globals/tierlb_mss_vips6 key 0x20 0x01 0x0d 0xb8 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x01 value 0x01',
      'map update pinned /sys/fs/bpf/tc/globals/tierlb_mss_config key 0x00 0x00 0x00 0x00 value 0xa0 0x05 0x00 0x00',
    ]);
  });
});

describe('reading the maps back', () => {
  it('reads a VIP map\'s keys as addresses', () => {
    expect(vipsOfDump('[{"key":["0xc6","0x33","0x64","0x01"],"value":["0x01"],"formatted":{"key":23344070,"value":1}}]')).toEqual(['198.51.100.1']);
  });

  it('adds up the per-CPU counts of the stats map, and has none without the decoded values', () => {
    const entry = (key: number, a: number, b: number): string => `{"key":["0x0${key}","0x00","0x00","0x00"],"values":[],"formatted":{"key":${key},"values":[{"cpu":0,"value":${a}},{"cpu":1,"value":${b}}]}}`;
    expect(statsOfDump(`[${entry(0, 1, 2)},${entry(1, 0, 4)},${entry(2, 1, 1)},${entry(3, 0, 3)}]`)).toEqual({ seen: { ipv4: 3, ipv6: 4 }, clamped: { ipv4: 2, ipv6: 3 } });
    expect(statsOfDump('[{"key":["0x00"],"values":[]}]')).toBeUndefined();
  });
});
