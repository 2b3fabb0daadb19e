import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSite, REPO } from '../test/helpers/site.js';
import { etcdLines, nodeFstab, nodeSiteFile, routeLine, setupScript, startScript } from './script.js';
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
    const fstab = nodeFstab(t.nodes[0] ?? (() => { throw new Error('no node'); })(), o);
    expect(fstab).toContain('/run/lab/nodes/rt-1/site /etc/tierlb-site none bind,X-mount.mkdir 0 0');
    // Bound before /run hides the state folder inside the node.
    expect(fstab.findIndex((l) => l.includes(' /etc/tierlb-site '))).toBeLessThan(fstab.findIndex((l) => l.includes(' /run ')));
  });

  it('mounts a node\'s /etc and /var/lib overlays, then its binds and a bpffs of its own, with one mount -a of its own fstab', () => {
    const node = t.nodes.find((n) => n.name === 'l7-1');
    if (!node) throw new Error('no l7-1');
    expect(nodeFstab(node, { stateDir: '/run/lab', logDir: '/logs of it' })).toEqual([
      'lab /etc overlay lowerdir=/etc,upperdir=/run/lab/nodes/l7-1/etc,workdir=/run/lab/nodes/l7-1/etc.work 0 0',
      'lab /var/lib overlay lowerdir=/var/lib,upperdir=/run/lab/nodes/l7-1/varlib,workdir=/run/lab/nodes/l7-1/varlib.work 0 0',
      '/run/lab/nodes/l7-1/etc-lb /etc/lb none bind,X-mount.mkdir 0 0',
      '/run/lab/nodes/l7-1/site /etc/tierlb-site none bind,X-mount.mkdir 0 0',
      '/logs\\040of\\040it/l7-1 /var/lib/tierlb/l7-1/logs none bind,X-mount.mkdir 0 0',
      '/run/lab/nodes/l7-1/run /run none bind 0 0',
      'bpf /sys/fs/bpf bpf rw 0 0',
    ]);
    expect(setupScript(t, o)).toContain('unshare --mount=$ST/mnt/$n --propagation private sh -ec "mount -a -T $ST/nodes/$n/fstab; mkdir -p $c $r /var/lib/gdnsd" &');
  });

  it('starts one agent per node and one HTTP server per backend, each with its own log', () => {
    const s = startScript(t, o);
    expect(s.match(/ agent --config /g)).toHaveLength(16);
    expect(s).toContain("in_node srv-2 /usr/bin/node /b/server.mjs --name srv-2 --ports 8080,8081 >> \"$LOG/srv-2.http.log\" 2>&1 &");
    expect(s).toContain("agent --config /etc/tierlb-site/site.yaml --node rt-1 --run-dir /run/tierlb/rt-1 --state-dir /var/lib/tierlb/rt-1 --config-dir /etc/tierlb/rt-1 >> \"$LOG/rt-1.agent.log\" 2>&1 &");
  });
});

describe('the etcd members of the start script', () => {
  it('starts each member in its namespace, on the lab tmpfs, before any agent', () => {
    const t = labTopology(loadSite(join(REPO, 'lab', 'site-small.yaml')));
    const lines = etcdLines(t);
    expect(lines.filter((l) => l.startsWith('nsenter'))).toHaveLength(3);
    // ${P}: the namespace prefix, braced, since a name follows it.
    expect(lines[1]).toMatch(/^nsenter --net=\/run\/netns\/\$\{P\}etcd-1 etcd --name etcd-1 --data-dir "\$ST\/etcd\/etcd-1" --listen-client-urls http:\/\/10\.0\.3\.20:2379 /);
    expect(lines[1]).toContain('--initial-cluster etcd-1=http://10.0.3.20:2380,etcd-2=http://10.0.3.21:2380,etcd-3=http://10.0.3.22:2380');
    const script = startScript(t, o);
    expect(script.indexOf('etcd --name etcd-1')).toBeLessThan(script.indexOf(' agent --config'));
  });
});
