import { describe, expect, it } from 'vitest';
import type { Community, IpAddress } from '../../site/index.js';
import { loadSite } from '../../test/helpers/site.js';
import {
  communityValue, gobgpAddPathRequest, gobgpDeletePathRequest, gobgpListPathRequest, parseGobgpDestinations,
} from './gobgp-api.js';
import { nodeOf } from './test-sites.js';

const site = loadSite();
const node = nodeOf(site, 'l4-1');
const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;
const V6 = '2001:db8::c633:6401' as IpAddress;
const GS = '65535:0' as Community;
const T = 'type.googleapis.com/apipb.';

/** A ListPath answer as gobgpd 3.10 sends it, decoded by proto-loader (`keepCase`, `json`). */
function destination(prefix: string, paths: { communities?: number[]; neighbor?: string }[]): unknown {
  const [address, bits] = prefix.split('/');
  return {
    destination: {
      prefix,
      paths: paths.map((p) => ({
        nlri: { prefix_len: Number(bits), prefix: address, '@type': `${T}IPAddressPrefix` },
        pattrs: [
          { '@type': `${T}OriginAttribute` },
          ...(p.communities ? [{ communities: p.communities, '@type': `${T}CommunitiesAttribute` }] : []),
          { next_hop: '10.0.0.21', '@type': `${T}NextHopAttribute` },
        ],
        age: { seconds: '1796192076' }, best: true, validation: {},
        family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
        source_id: p.neighbor ?? '<nil>', neighbor_ip: p.neighbor ?? '<nil>', local_identifier: 1,
      })),
    },
  };
}

describe('gobgp API requests', () => {
  it('turns a community asn:value into the 32-bit number BGP carries', () => {
    expect(communityValue('64512:100' as Community)).toBe(4227858532);
    expect(communityValue(GS)).toBe(0xffff0000);
  });

  it('announces an IPv4 VIP with origin IGP, the node address as next hop and the site communities', () => {
    expect(gobgpAddPathRequest(site, node, V1, { gracefulShutdown: false })).toEqual({
      table_type: 'GLOBAL',
      path: {
        family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
        nlri: { '@type': `${T}IPAddressPrefix`, prefix_len: 32, prefix: V1 },
        pattrs: [
          { '@type': `${T}OriginAttribute`, origin: 0 },
          { '@type': `${T}NextHopAttribute`, next_hop: '10.0.0.21' },
          { '@type': `${T}CommunitiesAttribute`, communities: [4227858532] },
        ],
      },
    });
  });

  it('adds the graceful-shutdown community after the site communities when asked', () => {
    const attrs = gobgpAddPathRequest(site, node, V1, { gracefulShutdown: true })?.path.pattrs;
    expect(attrs?.at(-1)).toEqual({ '@type': `${T}CommunitiesAttribute`, communities: [4227858532, 0xffff0000] });
  });

  it('carries an IPv6 next hop in MP_REACH_NLRI, as the CLI does', () => {
    const path = gobgpAddPathRequest(site, node, V6, { gracefulShutdown: false })?.path;
    expect(path?.family).toEqual({ afi: 'AFI_IP6', safi: 'SAFI_UNICAST' });
    expect(path?.pattrs[1]).toEqual({
      '@type': `${T}MpReachNLRIAttribute`, family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' }, next_hops: ['fd00::21'],
      nlris: [{ '@type': `${T}IPAddressPrefix`, prefix_len: 128, prefix: V6 }],
    });
  });

  it('announces nothing for a VIP of a family the node has no address of', () => {
    const v4only = { ...node, addresses: { ipv4: node.addresses.ipv4 } };
    expect(gobgpAddPathRequest(site, v4only, V6, { gracefulShutdown: false })).toBeUndefined();
  });

  it('withdraws by prefix with the unspecified next hop gobgpd asks for', () => {
    const r = gobgpDeletePathRequest(V6);
    expect(r.family).toEqual({ afi: 'AFI_IP6', safi: 'SAFI_UNICAST' });
    expect(r.path.nlri).toEqual({ '@type': `${T}IPAddressPrefix`, prefix_len: 128, prefix: V6 });
    expect(r.path.pattrs[1]).toMatchObject({ next_hops: ['::'] });
    expect(gobgpDeletePathRequest(V1).path.pattrs[1]).toEqual({ '@type': `${T}NextHopAttribute`, next_hop: '0.0.0.0' });
  });

  it('lists the global table of one family', () => {
    expect(gobgpListPathRequest('ipv4')).toEqual({ table_type: 'GLOBAL', family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' } });
  });
});

describe('parseGobgpDestinations', () => {
  it('reads our paths and their graceful-shutdown community, sorted by VIP', () => {
    const r = parseGobgpDestinations([
      destination('198.51.100.2/32', [{}]),
      destination('198.51.100.1/32', [{ communities: [4227858532, 0xffff0000] }]),
    ], 'ipv4', GS);
    expect(r).toEqual({ ok: true, value: [{ vip: V1, gracefulShutdown: true }, { vip: V2, gracefulShutdown: false }] });
  });

  it('reads the site graceful-shutdown community, not only the RFC one', () => {
    const r = parseGobgpDestinations([destination('198.51.100.1/32', [{ communities: [communityValue('64512:9' as Community)] }])], 'ipv4', '64512:9' as Community);
    expect(r).toEqual({ ok: true, value: [{ vip: V1, gracefulShutdown: true }] });
  });

  it('leaves out prefixes held only through a peer', () => {
    const r = parseGobgpDestinations([destination('198.51.100.1/32', [{ neighbor: '10.0.0.11' }])], 'ipv4', GS);
    expect(r).toEqual({ ok: true, value: [] });
  });

  it('reads our path among the paths peers sent for the same prefix', () => {
    const r = parseGobgpDestinations([destination('198.51.100.1/32', [{ neighbor: '10.0.0.11' }, {}])], 'ipv4', GS);
    expect(r).toEqual({ ok: true, value: [{ vip: V1, gracefulShutdown: false }] });
  });

  it('leaves out prefixes that are not host routes or not of the family asked', () => {
    const r = parseGobgpDestinations([destination('198.51.100.0/24', [{}]), destination('2001:db8::1/128', [{}])], 'ipv4', GS);
    expect(r).toEqual({ ok: true, value: [] });
  });

  it('reads an empty table as nothing announced', () => {
    expect(parseGobgpDestinations([], 'ipv6', GS)).toEqual({ ok: true, value: [] });
  });

  it('makes an answer of another shape an error that says what came, not an empty reading', () => {
    const r = parseGobgpDestinations([destination('198.51.100.1/32', [{}]), { destination: { paths: 'x' } }], 'ipv4', GS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^gobgpd ListPath ipv4 answer 1: expected a destination with a prefix and paths, got \{"destination"/);
  });

  it('refuses a community list that is not numbers', () => {
    const bad = destination('198.51.100.1/32', [{}]) as { destination: { paths: { pattrs: unknown[] }[] } };
    bad.destination.paths[0]?.pattrs.push({ '@type': `${T}CommunitiesAttribute`, communities: ['65535:0'] });
    expect(parseGobgpDestinations([bad], 'ipv4', GS).ok).toBe(false);
  });
});
