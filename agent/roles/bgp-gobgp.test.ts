// Replies of the installed gobgp 3.10, trimmed from the netns lab.
import { describe, expect, it } from 'vitest';
import { parseGobgpGlobal, parseGobgpNeighbors } from './bgp-gobgp.js';

const NEIGHBORS = JSON.stringify([
  { conf: { description: 'rt-1', local_asn: 64512, neighbor_address: '10.0.0.1', peer_asn: 64512 }, state: { neighbor_address: '10.0.0.1', session_state: 6 }, afi_safis: [{ state: { family: { afi: 1, safi: 1 }, enabled: true } }] },
  { conf: { description: 'l4-1', neighbor_address: '10.0.0.21', peer_asn: 64512 }, state: { session_state: 6 }, afi_safis: [{ state: { enabled: true, received: 2, accepted: 1 } }] },
  { conf: { description: 'l4-3', neighbor_address: '10.0.0.23', peer_asn: 64512 }, state: { session_state: 3 }, afi_safis: [{ state: { enabled: true } }] },
]);

describe('parseGobgpNeighbors', () => {
  it('reads address, peer name, state and route counts', () => {
    expect(parseGobgpNeighbors(NEIGHBORS)).toEqual([
      { address: '10.0.0.1', description: 'rt-1', state: 'established', received: 0, accepted: 0 },
      { address: '10.0.0.21', description: 'l4-1', state: 'established', received: 2, accepted: 1 },
      { address: '10.0.0.23', description: 'l4-3', state: 'active', received: 0, accepted: 0 },
    ]);
  });

  it('reads a state printed as a name, and an unknown number as unknown', () => {
    const text = JSON.stringify([{ conf: { neighbor_address: 'fd00::1' }, state: { session_state: 'SESSION_STATE_IDLE' } }, { conf: { neighbor_address: 'fd00::2' }, state: { session_state: 42 } }]);
    expect(parseGobgpNeighbors(text)?.map((n) => n.state)).toEqual(['idle', 'unknown']);
  });

  it('skips a peer without an address and reads nothing from non-JSON', () => {
    expect(parseGobgpNeighbors('[{"conf":{}}, 3, null]')).toEqual([]);
    expect(parseGobgpNeighbors('rpc error: code = Unavailable')).toBeUndefined();
    expect(parseGobgpNeighbors('{"a":1}')).toBeUndefined();
  });
});

describe('parseGobgpGlobal', () => {
  it('reads the AS and router id gobgpd runs', () => {
    expect(parseGobgpGlobal('{"asn":64512,"router_id":"10.0.0.11","listen_port":179,"listen_addresses":["10.0.0.11","fd00::11"]}')).toEqual({ asn: 64512, routerId: '10.0.0.11' });
  });

  it('reads nothing from a reply of another shape', () => {
    expect(parseGobgpGlobal('{"asn":"64512"}')).toBeUndefined();
    expect(parseGobgpGlobal('')).toBeUndefined();
  });
});
