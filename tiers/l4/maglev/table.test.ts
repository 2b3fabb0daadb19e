import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { foldAddress, MH_TABLE_SIZE } from './hash-key.js';
import { buildMaglevTable, turnsOf, type MaglevRealServer } from './table.js';

const ip = (s: string): IpAddress => s as IpAddress;

// The real servers of test/daemons/maglev-case.ts, whose tables the kernel
// was seen to build: gcd 100, the largest 64 times it (shifted by one bit),
// .33 added at weight 0, .34 drained from 1600 to 0.
function realServers(prefix: string): MaglevRealServer[] {
  return [
    { address: ip(`${prefix}31`), port: 80, weight: 100 },
    { address: ip(`${prefix}32`), port: 80, weight: 300 },
    { address: ip(`${prefix}33`), port: 80, weight: 0 },
    { address: ip(`${prefix}34`), port: 80, weight: 0, lastWeight: 1600 },
    { address: ip(`${prefix}35`), port: 80, weight: 6400 },
  ];
}

function slotCounts(slots: Int32Array, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const s of slots) if (s >= 0) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('turnsOf', () => {
  it('divides the weights by their gcd', () => {
    expect(turnsOf([50, 100, 150])).toEqual([1, 2, 3]);
  });

  it('shifts them down until the largest fits in 6 bits, and gives every non-zero weight at least one turn', () => {
    expect(turnsOf([100, 300, 0, 1600, 6400])).toEqual([1, 1, 0, 8, 32]);
    expect(turnsOf([3, 65535])).toEqual([1, 42]);
  });

  it('gives no turns when no weight is above 0', () => {
    expect(turnsOf([0, 0])).toEqual([0, 0]);
  });
});

describe('foldAddress', () => {
  it('reads an IPv4 address as its number and xors the four words of an IPv6 one', () => {
    expect(foldAddress(ip('10.0.1.31'), 'ipv4')).toBe(0x0a00011f);
    expect(foldAddress(ip('fd00::31'), 'ipv6')).toBe(0xfd000031);
    expect(foldAddress(ip('2001:db8:0:1::1'), 'ipv6')).toBe(0x20010db8);
  });
});

describe('buildMaglevTable', () => {
  it('fills all 4093 slots in proportion to the turns, for IPv4 and IPv6', () => {
    for (const [family, prefix] of [['ipv4', '10.0.1.'], ['ipv6', 'fd00::']] as const) {
      const table = buildMaglevTable({ family, flags: [], realServers: realServers(prefix) });
      expect(table.slots).toHaveLength(MH_TABLE_SIZE);
      expect(slotCounts(table.slots, 5), family).toEqual([97, 97, 0, 776, 3123]);
    }
  });

  it('places the real servers where the kernel did', () => {
    const v4 = buildMaglevTable({ family: 'ipv4', flags: [], realServers: realServers('10.0.1.') });
    expect(Array.from(v4.slots.slice(0, 12))).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 4, 4]);
    const v6 = buildMaglevTable({ family: 'ipv6', flags: [], realServers: realServers('fd00::') });
    expect(Array.from(v6.slots.slice(0, 12))).toEqual([3, 4, 4, 4, 4, 4, 3, 4, 4, 3, 4, 4]);
  });

  it('keeps a drained real server in the table as it was at full weight', () => {
    const drained = buildMaglevTable({ family: 'ipv4', flags: [], realServers: realServers('10.0.1.') });
    const full = realServers('10.0.1.').map((rs) => ({ ...rs, weight: rs.lastWeight ?? rs.weight }));
    expect(buildMaglevTable({ family: 'ipv4', flags: [], realServers: full }).slots).toEqual(drained.slots);
  });

  it('lets the newest real server win a contested slot: the add order changes the table', () => {
    const even = ['10.0.1.31', '10.0.1.32', '10.0.1.33', '10.0.1.34'].map((a) => ({ address: ip(a), port: 80, weight: 1 }));
    const a = buildMaglevTable({ family: 'ipv4', flags: [], realServers: even });
    const b = buildMaglevTable({ family: 'ipv4', flags: [], realServers: [...even].reverse() });
    const differ = Array.from(a.slots).filter((s, i) => even[s]?.address !== [...even].reverse()[b.slots[i] ?? -1]?.address).length;
    expect(differ).toBeGreaterThan(0);
    expect(differ).toBeLessThan(MH_TABLE_SIZE / 10);
  });

  it('depends on the real servers port', () => {
    const on = (port: number): Int32Array => buildMaglevTable({ family: 'ipv4', flags: [], realServers: realServers('10.0.1.').map((rs) => ({ ...rs, port })) }).slots;
    expect(on(443)).not.toEqual(on(80));
  });

  it('is empty when no real server has a last weight above 0', () => {
    const table = buildMaglevTable({ family: 'ipv4', flags: [], realServers: [{ address: ip('10.0.1.31'), port: 80, weight: 0 }] });
    expect(table.slots.every((s) => s === -1)).toBe(true);
    expect(buildMaglevTable({ family: 'ipv6', flags: [], realServers: [] }).slots.every((s) => s === -1)).toBe(true);
  });
});
