import { describe, expect, it } from 'vitest';
import { birdPathCommunities, birdSessions, listeningSockets, serverAgentPorts } from './daemon-text.js';

// As BIRD 2.0.12 and HAProxy 2.6.12 printed them (trimmed).
const PROTOCOLS = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     23:37:33.433  
rr_1       BGP        ---        up     23:37:37.799  Established   
  Description:    rr-1
  BGP state:          Established
    Neighbor address: 10.9.0.1
    Session:          internal multihop AS4
    Source address:   10.9.0.2
    Hold timer:       9.715/12
    Keepalive timer:  2.965/4
  Channel ipv4
    State:          UP
rr_2       BGP        ---        start  23:37:37.799  Active        Socket: Connection refused
  Description:    rr-2
  BGP state:          Active
    Neighbor address: 10.9.0.3
`;

const ROUTE = `BIRD 2.0.12 ready.
Table master4:
198.51.100.5/32      unicast [rr_1 23:37:40.808] * (100) [i]
	via 10.0.0.21 on seg0
	Type: BGP univ
	BGP.origin: IGP
	BGP.local_pref: 100
	BGP.community: (64512,100) (64512,101)
                     unicast [rr_2 23:37:41.002] (100) [i]
	via 10.0.0.22 on seg0
	Type: BGP univ
	BGP.community: (64512,100)
                     unicast [rr_1 23:37:41.100] (100) [i]
	via 10.0.0.23 on seg0
	Type: BGP univ
`;

describe('daemon answers as data', () => {
  it('reads each BGP session of BIRD with its state and negotiated timers', () => {
    expect(birdSessions(PROTOCOLS)).toEqual([
      { protocol: 'rr_1', state: 'Established', holdSeconds: 12, keepaliveSeconds: 4 },
      { protocol: 'rr_2', state: 'Active' },
    ]);
  });

  it('reads the communities of every path to a prefix, a path without any included', () => {
    expect(birdPathCommunities(ROUTE)).toEqual([
      { protocol: 'rr_1', communities: ['64512:100', '64512:101'] },
      { protocol: 'rr_2', communities: ['64512:100'] },
      { protocol: 'rr_1', communities: [] },
    ]);
    expect(birdPathCommunities('BIRD 2.0.12 ready.\nNetwork not found\n')).toEqual([]);
  });

  it('reads the listening sockets of ss, IPv6 in brackets, without an interface suffix', () => {
    const ss = 'LISTEN 0      8      0.0.0.0:179 0.0.0.0:*\nLISTEN 0      128        [::1]:9301    [::]:*\nLISTEN 0 4096 198.51.100.5%lo:80 0.0.0.0:*\n';
    expect(listeningSockets(ss)).toEqual(['0.0.0.0:179', '[::1]:9301', '198.51.100.5:80']);
  });

  it('reads the agent-check port of every server from show servers state', () => {
    const state = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
2 enabler 1 l7-1 127.0.0.1 2 0 1 1 2 1 0 2 0 22 0 0 - 9300 - 0 0 - - 9300
3 be_web 1 srv-1 127.0.0.1 0 0 1 1 1 8 2 0 6 22 0 0 - 8080 - 0 0 - - 9301

`;
    expect(serverAgentPorts(state)).toEqual([
      { backend: 'enabler', server: 'l7-1', agentPort: 9300 },
      { backend: 'be_web', server: 'srv-1', agentPort: 9301 },
    ]);
    expect(serverAgentPorts('No such table\n')).toEqual([]);
  });
});
