import { describe, expect, it } from 'vitest';
import { proxyMismatches, rampedUp } from './l7-features.js';
import type { Answer } from './observe.js';

describe('rampedUp', () => {
  it.each([
    [[0, 25, 50, 75, 100], true],
    [[0, 1, 34, 67, 100], true],
    [[25, 100], true],
    [[100, 7, 13, 19, 50, 94, 100], true],
    [[100, 7, 100, 50, 100], false],
    [[0, 100], false],
    [[100], false],
    [[0, 25, 50], false],
    [[0, 50, 25, 100], false],
    [[], false],
  ])('reads the weights %j as a ramp: %s', (seen, ok) => {
    expect(rampedUp(seen, 100)).toBe(ok);
  });
});

describe('proxyMismatches', () => {
  const answer = (local: string, body: string): Answer => ({ url: 'http://198.51.100.3:80/', local, ok: true, status: 200, body, ms: 1 });

  it('takes a server that names the user, in either spelling of an IPv6 address', () => {
    expect(proxyMismatches([
      answer('203.0.113.5', 'srv-1 port=8081 from=10.0.1.31 for=- proxy=203.0.113.5'),
      answer('2001:db8::cb00:7105', 'srv-2 port=8081 from=10.0.1.32 for=- proxy=2001:db8:0:0:0:0:cb00:7105'),
    ])).toEqual([]);
  });

  it('names the answers without the header, with a LOCAL one, or with another address', () => {
    expect(proxyMismatches([
      answer('203.0.113.5', 'srv-1 port=8081 from=10.0.1.31 for=-'),
      answer('203.0.113.6', 'srv-1 port=8081 from=10.0.1.31 for=- proxy=local'),
      answer('203.0.113.7', 'srv-1 port=8081 from=10.0.1.31 for=- proxy=10.0.1.31'),
    ])).toHaveLength(3);
  });
});
