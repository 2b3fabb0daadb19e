import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSite, REPO } from '../test/helpers/site.js';
import { nodeSiteFile, routeLine, setupScript, startScript } from './script.js';
import { labTopology } from './topology.js';

const t = labTopology(loadSite(join(REPO, 'lab', 'site.yaml')));
const o = { prefix: 'x-', stateDir: '/run/lab', logDir: '/logs', node: '/usr/bin/node', tierlb: '/b/tierlb.mjs', server: '/b/server.mjs', siteFile: '/s/site.yaml' };

describe('the lab setup script', () => {
  it('writes one route with a next hop per gateway', () => {
    expect(routeLine({ ns: 'a', to: '0.0.0.0/0', via: ['10.0.0.1', '10.0.0.2'], dev: 'eth0' }))
      .toBe('route add 0.0.0.0/0 nexthop via 10.0.0.1 dev eth0 nexthop via 10.0.0.2 dev eth0');
    expect(routeLine({ ns: 'a', to: '::/0', via: ['fd00::1'], dev: 'eth0' })).toBe('route add ::/0 via fd00::1 dev eth0');
  });

  it('adds every namespace with its prefix, and IPv6 addresses without duplicate detection', () => {
    const s = setupScript(t, o);
    for (const ns of t.namespaces) expect(s).toContain(`netns add x-${ns}\n`);
    expect(s).toContain('address add fd00:1::31/64 dev eth0 nodad');
    expect(s).toContain('ip -n x-l7-1 -batch -');
  });

  it('gives every node its own copy of the site file, bound to one path inside its mount namespace', () => {
    const s = setupScript(t, o);
    expect(s).toContain(`tee ${t.nodes.map((n) => nodeSiteFile('$ST', n.name)).join(' ')} < /s/site.yaml > /dev/null\n`);
    expect(nodeSiteFile('/run/lab', 'l4-1')).toBe('/run/lab/nodes/l4-1/site/site.yaml');
    expect(s).toContain('mount --bind $d/site /etc/tierlb-site\n');
    // Bound before /run hides the state folder inside the node.
    expect(s.indexOf('mount --bind $d/site')).toBeLessThan(s.indexOf('mount --bind $d/run /run'));
  });

  it('starts one agent per node and one HTTP server per backend, each with its own log', () => {
    const s = startScript(t, o);
    expect(s.match(/ agent --config /g)).toHaveLength(16);
    expect(s).toContain("in_node srv-2 /usr/bin/node /b/server.mjs --name srv-2 --ports 8080,8081 >> \"$LOG/srv-2.http.log\" 2>&1 &");
    expect(s).toContain("agent --config /etc/tierlb-site/site.yaml --node rt-1 --run-dir /run/tierlb/rt-1 --state-dir /var/lib/tierlb/rt-1 --config-dir /etc/tierlb/rt-1 >> \"$LOG/rt-1.agent.log\" 2>&1 &");
  });
});
