// What a valid file becomes: defaults applied, sessions named once, serving
// lists in Maglev order, per-node settings merged over the site's.
import { describe, expect, it } from 'vitest';
import { nodeNamed, type Site } from '../../site/index.js';
import { exampleValue, loadSite, parseValue } from '../helpers/site.js';
import { deleteIn, pushIn, setIn, type Json } from './mutate.js';

function siteWith(edit: (site: Json) => void): Site {
  const value = exampleValue();
  edit(value);
  const { site, issues } = parseValue(value);
  expect(issues).toEqual([]);
  return site as Site;
}

describe('the example site', () => {
  it('parses', () => {
    expect(loadSite().name).toBe('example');
  });

  it('keeps its IPv6 VIPs in canonical form', () => {
    expect(loadSite().services[0]?.vips).toEqual(['198.51.100.1', '198.51.100.2', '2001:db8::c633:6401', '2001:db8::c633:6402']);
  });

  it('places each service DNS name in its zone', () => {
    expect(loadSite().services.map((s) => s.dns.map((d) => d.zone))).toEqual([['example.org'], ['example.org']]);
  });

  it('parses the same way twice', () => {
    expect(parseValue(exampleValue())).toEqual(parseValue(exampleValue()));
  });
});

describe('defaults', () => {
  it('gives BGP a 3s hold time and a 1s keepalive', () => {
    const site = siteWith((s) => { deleteIn(s, ['bgp', 'holdTime']); deleteIn(s, ['bgp', 'keepalive']); });
    expect([site.bgp.holdTime.toString(), site.bgp.keepalive.toString()]).toEqual(['3s', '1s']);
  });

  it('gives the agent its standard paths and ports', () => {
    const { agent } = loadSite();
    expect({ ...agent, listen: { ...agent.listen } }).toEqual({
      listen: { address: '127.0.0.1', port: 9400 },
      agentCheckPort: 9300,
      runDir: '/run/tierlb',
      stateDir: '/var/lib/tierlb',
      configDir: '/etc/tierlb',
      disableFile: '/etc/lb/disable',
      agentCheckFile: '/etc/lb/agent-check',
    });
  });

  it('gives a pool the agent-check port of the site', () => {
    expect(loadSite().pools.map((p) => p.agentCheck.port)).toEqual([9300, 9300]);
  });

  it('serves a service on every l7 node when it names none', () => {
    expect(loadSite().services[0]?.l7.nodes).toEqual(['l7-1', 'l7-2', 'l7-3', 'l7-4']);
  });

  it('gives a service an HTTP check of / and the default timeouts', () => {
    const site = siteWith((s) => setIn(s, ['services', 0, 'l7'], {}));
    const l7 = site.services[0]?.l7;
    expect([l7?.check.path, l7?.check.interval.toString(), l7?.timeouts.client.toString()]).toEqual(['/', '2s', '1m']);
  });
});

describe('BGP sessions', () => {
  it('names each session once, sorted, whichever side lists it', () => {
    const both = siteWith((s) => setIn(s, ['nodes', 2, 'peers'], ['rt-1', 'l4-1', 'l4-2']));
    expect(both.bgp.sessions).toEqual(loadSite().bgp.sessions);
  });

  it('is symmetric: a session listed on one side is a peer of both', () => {
    const site = loadSite();
    const rr1 = site.bgp.sessions.filter((s) => s.a === 'rr-1' || s.b === 'rr-1').map((s) => (s.a === 'rr-1' ? s.b : s.a));
    expect(rr1).toEqual(['l4-1', 'l4-2', 'l4-3', 'rt-1', 'rt-2']);
  });
});

describe('service l7.nodes', () => {
  it('keeps the file order of the l7 nodes whatever order the service names them in', () => {
    const site = siteWith((s) => setIn(s, ['services', 0, 'l7', 'nodes'], ['l7-3', 'l7-1']));
    expect(site.services[0]?.l7.nodes).toEqual(['l7-1', 'l7-3']);
  });
});

describe('per-node agent settings', () => {
  it('override the site settings on that node only', () => {
    const site = siteWith((s) => setIn(s, ['nodes', 11, 'agent'], { stateDir: '/srv/tierlb', agentCheckPort: 9301 }));
    const srv1 = nodeNamed(site, 'srv-1');
    expect([srv1?.agent.stateDir, srv1?.agent.agentCheckPort, srv1?.agent.runDir]).toEqual(['/srv/tierlb', 9301, '/run/tierlb']);
    expect(nodeNamed(site, 'srv-2')?.agent.stateDir).toBe('/var/lib/tierlb');
  });

  it('fall back to a site agent section when the file has one', () => {
    const site = siteWith((s) => setIn(s, ['agent'], { runDir: '/run/lb' }));
    expect(site.nodes.every((n) => n.agent.runDir === '/run/lb')).toBe(true);
  });
});

describe('node defaults', () => {
  it('takes the AS number of bgp unless the node has its own', () => {
    const site = siteWith((s) => setIn(s, ['nodes', 0, 'asn'], 65001));
    expect([nodeNamed(site, 'rt-1')?.asn, nodeNamed(site, 'rt-2')?.asn]).toEqual([65001, 64512]);
  });

  it('takes the IPv4 address as router ID', () => {
    expect(nodeNamed(loadSite(), 'l4-1')?.routerId).toBe('10.0.0.21');
  });

  it('accepts an IPv6-only l7 node for a service with IPv6 VIPs only', () => {
    const site = siteWith((s) => {
      pushIn(s, ['nodes'], { name: 'l7-5', role: 'l7', addresses: { ipv6: 'fd00:1::35' } });
      setIn(s, ['services', 0, 'vips'], ['2001:db8::1']);
      setIn(s, ['services', 0, 'l7', 'nodes'], ['l7-5', 'l7-1']);
      setIn(s, ['services', 1, 'l7', 'nodes'], ['l7-1', 'l7-2']);
      setIn(s, ['pools', 0, 'servers'], [{ name: 'srv-3', address: 'fd00:2::43', port: 8080 }]);
    });
    expect(site.services[0]?.l7.nodes).toEqual(['l7-1', 'l7-5']);
  });
});
