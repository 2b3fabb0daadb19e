import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { sessionsOf, timersOf } from './view.js';
import { birdConfView, gracefulRestartWaitSeconds } from './view-bird.js';
import { gobgpView } from './view-gobgp.js';
import { birdDirectSite, birdSpeakerSite, changedSite, nodeOf } from './test-sites.js';
import type { Site } from '../../site/index.js';

const site = loadSite();
const routerView = (s: Site, name = 'rt-1') => birdConfView(s, { ...nodeOf(s, name), role: 'router' });
const gobgp = (s: Site, name: string) => gobgpView(s, { ...nodeOf(s, name), role: nodeOf(s, name).role as 'reflector' | 'l4' });

describe('sessionsOf', () => {
  it('opens one session per address family the two nodes share, sorted by peer', () => {
    expect(sessionsOf(site, nodeOf(site, 'rt-1')).map((s) => s.symbol)).toEqual(['bgp_rr_1_ipv4', 'bgp_rr_1_ipv6', 'bgp_rr_2_ipv4', 'bgp_rr_2_ipv6']);
  });

  it('opens no IPv6 session with a peer that has no IPv6 address', () => {
    const v4only = changedSite((v) => { delete v.nodes[2].addresses.ipv6; });
    expect(sessionsOf(v4only, nodeOf(v4only, 'rt-1')).filter((s) => s.peer === 'rr-1').map((s) => s.family)).toEqual(['ipv4']);
  });

  it('gives two peers whose names fold to the same BIRD symbol distinct symbols', () => {
    const clash = changedSite((v) => {
      v.nodes.push({ name: 'rr_1', role: 'reflector', addresses: { ipv4: '10.0.0.13' } });
      v.nodes[0].peers = ['rr-1', 'rr_1'];
    });
    expect(sessionsOf(clash, nodeOf(clash, 'rt-1')).map((s) => s.symbol)).toEqual(['bgp_rr_1_ipv4', 'bgp_rr_1_ipv6', 'bgp_rr_1_ipv4_2']);
  });

  it('marks a session iBGP when both nodes have the same AS number and eBGP otherwise', () => {
    expect(sessionsOf(site, nodeOf(site, 'rt-1')).every((s) => s.ibgp)).toBe(true);
    const direct = birdDirectSite();
    expect(sessionsOf(direct, nodeOf(direct, 'rt-1')).some((s) => s.ibgp)).toBe(false);
  });
});

describe('timersOf', () => {
  it('takes hold time, keepalive and connect retry from the site, not the daemons defaults', () => {
    expect(timersOf(site)).toEqual({ holdSeconds: 3, keepaliveSeconds: 1, connectRetrySeconds: 1 });
  });
});

describe('birdConfView', () => {
  it('accepts on a router only the VIPs of the site as host prefixes', () => {
    expect(routerView(site).vipSets.map((s) => [s.family, s.prefixes.length, s.prefixes[0]])).toEqual([
      ['ipv4', 4, '198.51.100.1/32'],
      ['ipv6', 4, '2001:db8::c633:6401/128'],
    ]);
  });

  it('imports nothing in a family the site has no VIP of', () => {
    const v4vips = changedSite((v) => { for (const s of v.services) s.vips = s.vips.filter((a: string) => !a.includes(':')); });
    const v6 = routerView(v4vips).sessions.find((s) => s.family === 'ipv6');
    expect(v6?.importFilter).toBeUndefined();
  });

  it('runs no BFD on the BGP sessions towards a gobgp reflector', () => {
    expect(routerView(site).sessions.some((s) => s.bfd)).toBe(false);
  });

  it('runs BFD to every L4 node directly when the L4 nodes speak gobgp through reflectors', () => {
    const view = routerView(site);
    expect(view.bfd).toEqual({ intervalMs: 100, multiplier: 3 });
    expect(view.bfdHosts.map((g) => [g.family, g.hosts.map((h) => `${h.node}=${h.address}`)])).toEqual([
      ['ipv4', ['l4-1=10.0.0.21', 'l4-2=10.0.0.22', 'l4-3=10.0.0.23']],
      ['ipv6', ['l4-1=fd00::21', 'l4-2=fd00::22', 'l4-3=fd00::23']],
    ]);
  });

  it('resolves the VIP next hops recursively on every router session while BFD watches the L4 nodes', () => {
    expect(routerView(site).sessions.every((s) => s.gatewayRecursive)).toBe(true);
    expect(routerView(birdDirectSite()).sessions.every((s) => s.gatewayRecursive)).toBe(true);
  });

  it('has a BIRD speaker answer BFD to every router', () => {
    const bird = birdSpeakerSite();
    const view = birdConfView(bird, { ...nodeOf(bird, 'l4-1'), role: 'l4' });
    expect(view.bfdNeighbors).toEqual(['10.0.0.1', 'fd00::1', '10.0.0.2', 'fd00::2']);
    expect(view.bfd).toEqual({ intervalMs: 100, multiplier: 3 });
  });

  it('runs BFD with the site interval and multiplier towards a BIRD speaker', () => {
    const view = routerView(birdDirectSite());
    expect(view.bfd).toEqual({ intervalMs: 100, multiplier: 3 });
    expect(view.sessions.every((s) => s.bfd)).toBe(true);
  });

  it('runs no BFD when the site disables it', () => {
    const off = changedSite((v) => { v.bgp.speaker = 'bird'; v.bgp.bfd.enabled = false; v.nodes[0].peers = ['l4-1']; });
    const view = routerView(off);
    expect(view.sessions.some((s) => s.bfd || s.gatewayRecursive)).toBe(false);
    expect([view.bfd, view.bfdHosts]).toEqual([undefined, []]);
    expect(birdConfView(off, { ...nodeOf(off, 'l4-1'), role: 'l4' }).bfdNeighbors).toEqual([]);
  });

  it('bounds a router\'s graceful-restart recovery by its sessions\' return, far below BIRD\'s 240 s', () => {
    expect(routerView(site).gracefulRestartWaitSeconds).toBe(15);
    const slow = changedSite((v) => { v.bgp.holdTime = '9s'; v.bgp.keepalive = '3s'; v.bgp.connectRetry = '2s'; });
    expect(routerView(slow).gracefulRestartWaitSeconds).toBe(5 + 5 + 2 * 2 + 9);
  });

  it('keeps the recovery bound at 60 s at most, whatever the timers', () => {
    expect(gracefulRestartWaitSeconds({ holdSeconds: 240, keepaliveSeconds: 80, connectRetrySeconds: 120 })).toBe(60);
  });

  it('gives an L4 speaker no graceful-restart wait: it has no kernel routes to keep', () => {
    const s = birdSpeakerSite();
    expect(birdConfView(s, { ...nodeOf(s, 'l4-1'), role: 'l4' }).gracefulRestartWaitSeconds).toBeUndefined();
  });

  it('exports the static VIP routes from a BIRD speaker with the site communities', () => {
    const s = birdSpeakerSite();
    const view = birdConfView(s, { ...nodeOf(s, 'l4-1'), role: 'l4' });
    expect(view.sessions.every((x) => x.exportFilter === 'vip_out' && x.importFilter === undefined)).toBe(true);
    expect(view.vipCommunities).toEqual([{ asn: 64512, value: 100 }]);
  });
});

describe('gobgpView', () => {
  it('makes every iBGP peer of a reflector a route-reflector client in its own cluster', () => {
    const view = gobgp(site, 'rr-1');
    expect(view.neighbors.every((n) => n.routeReflectorClient)).toBe(true);
    expect(view.clusterId).toBe('10.0.0.11');
  });

  it('sends a router as many paths per VIP as there are l4 nodes', () => {
    const rt = gobgp(site, 'rr-1').neighbors.filter((n) => n.peer === 'rt-1');
    expect(rt.map((n) => n.addPathsSendMax)).toEqual([255, 255]);
  });

  it('accepts add-paths from l4 nodes and sends them none', () => {
    const l4 = gobgp(site, 'rr-1').neighbors.filter((n) => n.peer === 'l4-1');
    expect(l4.map((n) => [n.addPathsReceive, n.addPathsSendMax])).toEqual([[true, undefined], [true, undefined]]);
  });

  it('reflects nothing to an eBGP peer', () => {
    const ebgp = changedSite((v) => { v.nodes[0].asn = 64999; });
    expect(gobgp(ebgp, 'rr-1').neighbors.filter((n) => n.peer === 'rt-1').map((n) => n.routeReflectorClient)).toEqual([false, false]);
  });

  it('negotiates graceful restart (helper only) with routers alone, so a restarted router gets End-of-RIB', () => {
    const view = gobgp(site, 'rr-1');
    expect(view.neighbors.filter((n) => n.gracefulRestartHelper).map((n) => n.peer)).toEqual(['rt-1', 'rt-1', 'rt-2', 'rt-2']);
  });

  it('gives an l4 speaker no reflector settings', () => {
    const view = gobgp(site, 'l4-1');
    expect(view.clusterId).toBeUndefined();
    expect(view.neighbors.some((n) => n.routeReflectorClient || n.addPathsReceive || n.addPathsSendMax)).toBe(false);
  });
});
