import { describe, expect, it } from 'vitest';
import { learnedChoices, MIN_TUPLES, modelDisagreements, movedRow, movedShare, staleTuples, type Learned } from './moved-share.js';
import { tupleKey, type Tuple } from './moved-tuples.js';

const HEAD = 'IPVS connection entries\npro expire state       source             virtual            destination\n';
const tables = [{ family: 'ipv4', vip: '198.51.100.3', port: 80 }, { family: 'ipv6', vip: '2001:db8::c633:6403', port: 80 }] as const;
const L7: Record<string, string> = { '10.0.1.31': 'l7-1', '10.0.1.32': 'l7-2', 'fd00:1::33': 'l7-3', 'fd00:1::35': 'l7-5' };
const nodeOf = (a: string): string => L7[a] ?? a;
const t4 = (n: number, port = 10000): Tuple => ({ family: 'ipv4', client: `203.0.113.${n}`, port });
const t6 = (n: number, port = 10000): Tuple => ({ family: 'ipv6', client: `2001:db8::203.0.113.${n}`, port });
const key = (t: Tuple): string => tupleKey(t.family, t.client, t.port);
const learned = (pairs: readonly (readonly [Tuple, string])[]): Learned => ({ choices: new Map(pairs.map(([t, l7]) => [key(t), l7])), conflicts: new Set() });

describe('learnedChoices', () => {
  it('reads the L7 node of each tuple from whichever L4 node holds it, IPv6 spelled as ipvsadm prints it', () => {
    const got = learnedChoices([
      { node: 'l4-1', text: `${HEAD}TCP 14:59  ESTABLISHED 203.0.113.1:10000 198.51.100.3:80 10.0.1.31:80\n` },
      { node: 'l4-2', text: `${HEAD}TCP 00:59  SYN_RECV    [2001:db8::cb00:7101]:10000 [2001:db8::c633:6403]:80 [fd00:1::33]:80\n` },
    ], [t4(1), t6(1)], tables, nodeOf);
    expect([...got.choices]).toEqual([[key(t4(1)), 'l7-1'], [key(t6(1)), 'l7-3']]);
    expect(got.conflicts.size).toBe(0);
  });

  it('skips other tuples, other VIPs and ports, and entries of earlier connections', () => {
    const got = learnedChoices([{ node: 'l4-1', text: `${HEAD}${[
      'TCP 14:59  ESTABLISHED 203.0.113.2:10000 198.51.100.3:80 10.0.1.31:80',
      'TCP 14:59  ESTABLISHED 203.0.113.1:10000 198.51.100.4:80 10.0.1.31:80',
      'TCP 14:59  ESTABLISHED 203.0.113.1:10000 198.51.100.3:8443 10.0.1.31:8443',
      'TCP 00:08  CLOSE       203.0.113.1:10000 198.51.100.3:80 10.0.1.32:80',
    ].join('\n')}\n` }], [t4(1)], tables, nodeOf);
    expect(got.choices.size).toBe(0);
  });

  it('counts a tuple two L4 nodes sent to different L7 nodes as a conflict, and answers nothing for it', () => {
    const got = learnedChoices([
      { node: 'l4-1', text: `${HEAD}TCP 14:59  ESTABLISHED 203.0.113.1:10000 198.51.100.3:80 10.0.1.31:80\n` },
      { node: 'l4-2', text: `${HEAD}TCP 14:59  ESTABLISHED 203.0.113.1:10000 198.51.100.3:80 10.0.1.32:80\n` },
    ], [t4(1)], tables, nodeOf);
    expect(got.choices.size).toBe(0);
    expect([...got.conflicts]).toEqual([key(t4(1))]);
  });
});

describe('staleTuples', () => {
  it('names the tuples whose entry a new SYN would reuse, not those it reschedules from', () => {
    const stale = staleTuples([{ node: 'l4-1', text: `${HEAD}${[
      'TCP 14:59  ESTABLISHED 203.0.113.1:10000 198.51.100.3:80 10.0.1.31:80',
      'TCP 00:40  SYN_RECV    203.0.113.2:10000 198.51.100.3:80 10.0.1.31:80',
      'TCP 00:08  CLOSE       203.0.113.3:10000 198.51.100.3:80 10.0.1.31:80',
      'TCP 01:50  TIME_WAIT   203.0.113.4:10000 198.51.100.3:80 10.0.1.31:80',
      'TCP 01:50  FIN_WAIT    203.0.113.5:10000 198.51.100.3:80 10.0.1.31:80',
    ].join('\n')}\n` }], [1, 2, 3, 4, 5].map((n) => t4(n)), tables);
    expect([...stale]).toEqual([key(t4(1)), key(t4(2))]);
  });
});

describe('movedShare', () => {
  it('counts the tuples of the family answered both times, and those another L7 node got', () => {
    const before = learned([[t4(1), 'l7-1'], [t4(2), 'l7-2'], [t4(3), 'l7-1'], [t6(1), 'l7-3']]);
    const after = learned([[t4(1), 'l7-5'], [t4(2), 'l7-2'], [t6(1), 'l7-5']]);
    expect(movedShare(before, after, [t4(1), t4(2), t4(3), t6(1)], 'ipv4')).toEqual({ tuples: 2, moved: 1 });
    expect(movedShare(before, after, [t4(1), t4(2), t4(3), t6(1)], 'ipv6')).toEqual({ tuples: 1, moved: 1 });
  });

  it('leaves out the tuples it is told to skip', () => {
    const before = learned([[t4(1), 'l7-1'], [t4(2), 'l7-2']]);
    const after = learned([[t4(1), 'l7-5'], [t4(2), 'l7-2']]);
    expect(movedShare(before, after, [t4(1), t4(2)], 'ipv4', new Set([key(t4(1))]))).toEqual({ tuples: 1, moved: 0 });
  });
});

describe('modelDisagreements', () => {
  it('counts the tuples the kernel sent elsewhere than the model, of those the model knows', () => {
    const kernel = learned([[t4(1), 'l7-1'], [t4(2), 'l7-2'], [t6(1), 'l7-3']]);
    const model = new Map([[key(t4(1)), 'l7-1'], [key(t4(2)), 'l7-4']]);
    expect(modelDisagreements(kernel, model)).toEqual({ count: 1, examples: [`${key(t4(2))}: kernel l7-2, model l7-4`] });
  });
});

describe('movedRow', () => {
  it('is within when the measured share is within the points asked of the prediction, on enough tuples', () => {
    const m = movedRow('append', 'api IPv4', 20.4, 20.3, { tuples: 4000, moved: 880 }, 2);
    expect([m.measuredPercent, m.differencePp?.toFixed(2), m.within]).toEqual([22, '1.60', true]);
  });

  it('is not within past the points asked, however many tuples', () => {
    expect(movedRow('append', 'api IPv4', 20.4, 20.3, { tuples: 4000, moved: 900 }, 2).within).toBe(false);
    expect(movedRow('append', 'api IPv4', 20.4, 20.3, { tuples: 4000, moved: 720 }, 2).within).toBe(false);
  });

  it('is not within on too few tuples, nor with none', () => {
    expect(movedRow('append', 'api IPv4', 20, null, { tuples: MIN_TUPLES - 1, moved: (MIN_TUPLES - 1) / 5 }, 2).within).toBe(false);
    const none = movedRow('append', 'api IPv4', 20, null, { tuples: 0, moved: 0 }, 2);
    expect([none.measuredPercent, none.differencePp, none.within]).toEqual([null, null, false]);
  });
});
