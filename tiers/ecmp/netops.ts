// Kernel state a router needs for ECMP towards the L4 nodes. Pure data.
import type { NetOp } from '../common/files.js';

export function routerNetOps(): NetOp[] {
  return [
    { kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1', why: 'a router forwards user traffic to the L4 nodes' },
    { kind: 'sysctl', key: 'net.ipv6.conf.all.forwarding', value: '1', why: 'a router forwards user traffic to the L4 nodes' },
    // Layer 4 hashing: the flows of one client spread over all L4 nodes, and a
    // flow's packets (ports included) always take the same path.
    { kind: 'sysctl', key: 'net.ipv4.fib_multipath_hash_policy', value: '1', why: 'ECMP hashes on ports too, so flows spread over the L4 nodes' },
    { kind: 'sysctl', key: 'net.ipv6.fib_multipath_hash_policy', value: '1', why: 'ECMP hashes on ports too, so flows spread over the L4 nodes' },
  ];
}
