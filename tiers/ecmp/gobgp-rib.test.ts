import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../site/index.js';
import { parseGobgpRib } from './gobgp-rib.js';

const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;

describe('parseGobgpRib', () => {
  // Printed by gobgp 3.10 after `global rib add ... community 64512:100,65535:0`.
  const real = '{"198.51.100.1/32":[{"nlri":{"prefix":"198.51.100.1/32"},"age":1795431603,"best":true,"attrs":[{"type":1,"value":0},{"type":8,"communities":[4227858532,4294901760]},{"type":3,"nexthop":"10.0.0.21"}],"stale":false}],"198.51.100.2/32":[{"nlri":{"prefix":"198.51.100.2/32"},"age":1795431603,"best":true,"attrs":[{"type":1,"value":0},{"type":3,"nexthop":"10.0.0.21"}],"stale":false}]}';

  it('reads our paths and their graceful-shutdown community from gobgp JSON', () => {
    expect(parseGobgpRib(real, 'ipv4')).toEqual([{ vip: V1, gracefulShutdown: true }, { vip: V2, gracefulShutdown: false }]);
  });

  it('reads an empty RIB as nothing announced', () => {
    expect(parseGobgpRib('{}', 'ipv6')).toEqual([]);
  });

  it('leaves out prefixes that are not host routes', () => {
    expect(parseGobgpRib(real.replaceAll('198.51.100.2/32', '198.51.100.0/24'), 'ipv4')).toEqual([{ vip: V1, gracefulShutdown: true }]);
  });
});
