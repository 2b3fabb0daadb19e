import { describe, expect, it } from 'vitest';
import type { IpAddress, MhFlag } from '../../../site/index.js';
import { buildMaglevTable, type MaglevRealServer, type MaglevTable } from './table.js';
import { scheduleFlow } from './schedule.js';

const ip = (s: string): IpAddress => s as IpAddress;

// As in table.test.ts (and test/daemons/maglev-case.ts): .34 is drained.
function table(family: 'ipv4' | 'ipv6', flags: MhFlag[], change: (rs: MaglevRealServer[]) => MaglevRealServer[] = (rs) => rs): MaglevTable {
  const prefix = family === 'ipv4' ? '10.0.1.' : 'fd00::';
  return buildMaglevTable({
    family,
    flags,
    realServers: change([
      { address: ip(`${prefix}31`), port: 80, weight: 100 },
      { address: ip(`${prefix}32`), port: 80, weight: 300 },
      { address: ip(`${prefix}33`), port: 80, weight: 0 },
      { address: ip(`${prefix}34`), port: 80, weight: 0, lastWeight: 1600 },
      { address: ip(`${prefix}35`), port: 80, weight: 6400 },
    ]),
  });
}

const where = (t: MaglevTable, client: string, port: number): unknown => {
  const c = scheduleFlow(t, { client: ip(client), port });
  return c.kind === 'scheduled' ? { address: c.realServer.address, slot: c.slot, fellBack: c.fellBack } : c.reason;
};

describe('scheduleFlow', () => {
  it('hashes the client address alone without mh-port', () => {
    const t = table('ipv4', []);
    expect(where(t, '10.9.0.1', 1024)).toEqual({ address: '10.0.1.35', slot: 124, fellBack: false });
    expect(where(t, '10.9.0.1', 40000)).toEqual({ address: '10.0.1.35', slot: 124, fellBack: false });
    expect(where(t, '2001:db8:9::1', 1)).toEqual(where(t, '2001:db8:9::1', 2));
  });

  it('hashes the client port too with mh-port, for IPv4 and IPv6', () => {
    const v4 = table('ipv4', ['mh-port']);
    expect(where(v4, '10.9.0.2', 1024)).toEqual({ address: '10.0.1.32', slot: 490, fellBack: false });
    expect(where(v4, '10.9.0.2', 40000)).toEqual({ address: '10.0.1.35', slot: 1408, fellBack: false });
    const v6 = table('ipv6', ['mh-port']);
    expect(where(v6, '2001:db8:9::1', 1024)).toEqual({ address: 'fd00::35', slot: 3874, fellBack: false });
    expect(where(v6, '2001:db8:9::1', 40000)).toEqual({ address: 'fd00::35', slot: 3235, fellBack: false });
  });

  it('refuses a flow whose slot holds a drained real server, without mh-fallback', () => {
    expect(where(table('ipv4', ['mh-port']), '10.9.3.250', 40000)).toBe('unavailable');
  });

  it('looks further with mh-fallback when the slot holds a drained real server', () => {
    expect(where(table('ipv4', ['mh-fallback', 'mh-port']), '10.9.3.250', 40000)).toEqual({ address: '10.0.1.35', slot: 3893, fellBack: true });
  });

  it('treats an overloaded real server as unavailable', () => {
    const overloaded = table('ipv4', ['mh-fallback'], (rs) => rs.map((r) => (r.address === '10.0.1.35' ? { ...r, overloaded: true } : r)));
    const c = scheduleFlow(overloaded, { client: ip('10.9.0.1'), port: 1 });
    expect(c).toMatchObject({ kind: 'scheduled', slot: 124, fellBack: true });
    expect(c.kind === 'scheduled' && c.realServer.address).not.toBe('10.0.1.35');
  });

  it('schedules nothing when every real server in the table is unavailable, even with mh-fallback', () => {
    const drained = table('ipv4', ['mh-fallback'], (rs) => rs.map((r) => ({ ...r, weight: 0, lastWeight: r.lastWeight ?? r.weight })));
    expect(where(drained, '10.9.0.1', 1)).toBe('no available real server');
  });

  it('schedules nothing from an empty table', () => {
    const empty = table('ipv6', ['mh-fallback'], (rs) => rs.map((r) => ({ ...r, weight: 0, lastWeight: 0 })));
    expect(where(empty, '2001:db8:9::1', 1)).toBe('empty table');
  });
});
