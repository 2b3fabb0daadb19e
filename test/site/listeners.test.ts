// Ports that the listeners of one node would share. No checker sees these:
// `haproxy -c` passes a monitor and a stats page on one port (the kernel then
// splits connections between them, and the monitor answers 503 to some), and
// an agent whose status endpoint takes the agent-check port cannot start.
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../site/index.js';
import { exampleValue, parseValue } from '../helpers/site.js';
import { setIn, type Json } from './mutate.js';

function issuesOf(edit: (site: Json) => void): { path: string; message: string }[] {
  const site: Json = exampleValue();
  edit(site);
  return parseValue(site).issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

describe('the listeners of one node', () => {
  it('may not put l7.monitorPort and l7.statsPort on one port', () => {
    expect(issuesOf((s) => setIn(s, ['l7'], { monitorPort: 9101 }))).toEqual([{
      path: 'l7.statsPort',
      message: 'expected a port no other listener of the node uses: the HAProxy stats page 10.0.1.31:9101 clashes with the HAProxy monitor 10.0.1.31:9101 (l7.monitorPort) on node "l7-1" and 3 more node(s)',
    }]);
  });

  it('may not put agent.listen on the address and port of an L7 node\'s agent-check', () => {
    expect(issuesOf((s) => setIn(s, ['agent'], { listen: { address: '127.0.0.1', port: 9300 } }))).toEqual([{
      path: 'agent.agentCheckPort',
      message: 'expected a port no other listener of the node uses: the agent-check of the node\'s own state 127.0.0.1:9300 clashes with the agent\'s status endpoint 127.0.0.1:9300 (agent.listen) on node "l7-1" and 3 more node(s)',
    }]);
  });

  it('may not give a server its pool\'s agent-check port on the same address', () => {
    expect(issuesOf((s) => setIn(s, ['pools', 0, 'servers', 0, 'port'], 9300))).toEqual([{
      path: 'pools[0].servers[0].port',
      message: 'expected a port other than the pool\'s agent-check port 9300 (agent.agentCheckPort): HAProxy would ask 10.0.2.41:9300 itself for the agent-check',
    }]);
  });

  it('may not give a server the port a backend node serves its agent-check on', () => {
    expect(issuesOf((s) => setIn(s, ['nodes', 11, 'agent'], { agentCheckPort: 8080 }))).toEqual([{
      path: 'pools[0].servers[0].port',
      message: 'expected a port no other listener of the node uses: server "srv-1" 10.0.2.41:8080 clashes with the agent-check server 10.0.2.41:8080 (nodes[11].agent.agentCheckPort) on node "srv-1"',
    }]);
  });

  it('may not put agent.listen on every address and a port HAProxy binds', () => {
    expect(issuesOf((s) => setIn(s, ['agent'], { listen: { address: '0.0.0.0', port: 9100 } }))).toEqual([{
      path: 'l7.monitorPort',
      message: 'expected a port no other listener of the node uses: the HAProxy monitor 10.0.1.31:9100 clashes with the agent\'s status endpoint 0.0.0.0:9100 (agent.listen) on node "l7-1" and 3 more node(s)',
    }]);
  });

  it('may not put agent.listen on the BGP port of a router, where BIRD listens on every address', () => {
    expect(issuesOf((s) => setIn(s, ['agent'], { listen: { address: '127.0.0.1', port: 179 } }))).toEqual([{
      path: 'agent.listen',
      message: 'expected a port no other listener of the node uses: the agent\'s status endpoint 127.0.0.1:179 clashes with BIRD\'s BGP port [::]:179 on node "rt-1" and 1 more node(s)',
    }]);
  });

  it('may not put one node\'s agent.listen on its gdnsd\'s DNS port', () => {
    expect(issuesOf((s) => setIn(s, ['nodes', 15, 'agent'], { listen: { address: '10.0.3.53', port: 53 } }))).toEqual([{
      path: 'nodes[15].agent.listen',
      message: 'expected a port no other listener of the node uses: the agent\'s status endpoint 10.0.3.53:53 clashes with gdnsd\'s DNS port 10.0.3.53:53 on node "dns-1"',
    }]);
  });

  it('may not put a service port on a port the agent listens on with a wildcard', () => {
    expect(issuesOf((s) => setIn(s, ['agent'], { listen: { address: '::', port: 8443 } }))).toEqual([{
      path: 'services[1].ports[1]',
      message: 'expected a port no other listener of the node uses: the frontend of service "api" 198.51.100.3:8443 clashes with the agent\'s status endpoint [::]:8443 (agent.listen) on node "l7-1" and 3 more node(s)',
    }]);
  });

  it('may share a port number on different addresses: the stats page on the node\'s address, the agent on loopback', () => {
    expect(issuesOf((s) => setIn(s, ['agent'], { listen: { address: '127.0.0.1', port: 9101 } }))).toEqual([]);
  });
});
