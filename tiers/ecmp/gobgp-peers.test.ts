import { describe, expect, it } from 'vitest';
import { parseGobgpBgp, parseGobgpPeers } from './gobgp-peers.js';

/** A ListPeer answer of gobgpd 3.10 as proto-loader decodes it, trimmed. */
const peer = (address: string, description: string, state: string, counts: { received?: string; accepted?: string }[] = [{}]) => ({
  peer: {
    apply_policy: { export_policy: { direction: 'EXPORT' } },
    conf: { description, local_asn: 64512, neighbor_address: address, peer_asn: 64512 },
    state: { neighbor_address: address, peer_asn: 64512, session_state: state, messages: { received: {}, sent: {} } },
    transport: { local_address: '0.0.0.0', passive_mode: true },
    afi_safis: counts.map((c) => ({ config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' }, enabled: true }, state: { enabled: true, ...c } })),
  },
});

describe('parseGobgpPeers', () => {
  it('reads address, peer name, state and route counts summed over the families', () => {
    expect(parseGobgpPeers([
      peer('10.0.0.1', 'rt-1', 'ESTABLISHED'),
      peer('10.0.0.21', 'l4-1', 'ESTABLISHED', [{ received: '2', accepted: '1' }, { received: '1', accepted: '1' }]),
      peer('10.0.0.23', 'l4-3', 'ACTIVE'),
    ])).toEqual([
      { address: '10.0.0.1', description: 'rt-1', state: 'established', received: 0, accepted: 0 },
      { address: '10.0.0.21', description: 'l4-1', state: 'established', received: 3, accepted: 2 },
      { address: '10.0.0.23', description: 'l4-3', state: 'active', received: 0, accepted: 0 },
    ]);
  });

  it('skips a peer without an address and reads no peers as an empty list', () => {
    expect(parseGobgpPeers([{ peer: { conf: {} } }])).toEqual([]);
    expect(parseGobgpPeers([])).toEqual([]);
  });

  it('reads an answer of another shape as no answer', () => {
    expect(parseGobgpPeers([peer('10.0.0.1', 'rt-1', 'ESTABLISHED'), { peer: 3 }])).toBeUndefined();
    expect(parseGobgpPeers([peer('10.0.0.1', 'rt-1', 'ESTABLISHED', [{ received: '-1' }])])).toBeUndefined();
  });
});

describe('parseGobgpBgp', () => {
  it('reads the AS and router id gobgpd runs', () => {
    expect(parseGobgpBgp({ global: { asn: 64512, router_id: '10.0.0.11', listen_port: 179, listen_addresses: ['10.0.0.11'] } })).toEqual({ asn: 64512, routerId: '10.0.0.11' });
  });

  it('reads an answer of another shape as no answer', () => {
    expect(parseGobgpBgp({ global: { asn: '64512' } })).toBeUndefined();
    expect(parseGobgpBgp(undefined)).toBeUndefined();
  });
});
