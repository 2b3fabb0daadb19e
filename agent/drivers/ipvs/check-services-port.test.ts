import { describe, expect, it } from 'vitest';
import type { KernelCheckService } from '../../../tiers/l4/tunnel-checks.js';
import { netlinkOpsOf } from './check-services-port.js';

const service: KernelCheckService = { mark: 2115698688, family: 'ipv6', address: 'fd00:1::31' as KernelCheckService['address'] };

describe('netlinkOpsOf', () => {
  it('adds a firewall-mark service of the family, scheduled by the mh module the L4 node already has, with its one real server in tunnel mode', () => {
    expect(netlinkOpsOf({ kind: 'add', service })).toEqual([
      { kind: 'add-service', service: { fwmark: 2115698688, family: 6, scheduler: 'mh', flags: 0 } },
      { kind: 'add-destination', service: { fwmark: 2115698688, family: 6 }, destination: { address: 'fd00:1::31', port: 0, forwarding: 'tunnel', weight: 1 } },
    ]);
  });

  it('deletes the whole service', () => {
    expect(netlinkOpsOf({ kind: 'delete', service })).toEqual([{ kind: 'delete-service', service: { fwmark: 2115698688, family: 6 } }]);
  });
});
