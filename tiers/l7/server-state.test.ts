import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { carryServerState, serverPortsOf } from './server-state.js';
import { nodeOf } from './test-site.js';
import { haproxyView } from './view.js';

const HEADER = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n';
// As HAProxy 2.6 wrote it for `server s1 10.0.2.41:8081 ... check port 7001 agent-check agent-port 9001`, drained (admin state 8).
const DRAINED = '3 be_web 1 srv-1 10.0.2.41 2 8 100 100 12 15 3 4 6 23 0 0 - 8081 - 0 7001 - - 9001';

describe('carryServerState', () => {
  it('keeps the runtime state and gives the port, check and agent fields back to the new config', () => {
    const out = carryServerState(`${HEADER}${DRAINED}\n\n`, new Map([['be_web srv-1', 8080]]));
    expect(out).toBe(`${HEADER}3 be_web 1 srv-1 - 2 8 100 100 12 15 3 4 6 23 0 0 - 8080 - 0 0 - - 0\n\n`);
  });

  it('leaves a server the new config does not have, and lines that are not server lines', () => {
    const text = `${HEADER}${DRAINED}\n# a comment\n`;
    expect(carryServerState(text, new Map([['be_api srv-1', 8080]]))).toBe(text);
  });

  it('rewrites the fields a shorter (older) line has, and no others', () => {
    const short = '3 be_web 1 srv-1 10.0.2.41 2 8 100 100 12 15 3 4 6 23 0 0 - 8081 -';
    expect(carryServerState(`${HEADER}${short}\n`, new Map([['be_web srv-1', 8080]]))).toBe(`${HEADER}3 be_web 1 srv-1 - 2 8 100 100 12 15 3 4 6 23 0 0 - 8080 -\n`);
  });

  it('passes an answer that is not format 1 unchanged', () => {
    expect(carryServerState('Unknown command\n', new Map([['be_web srv-1', 8080]]))).toBe('Unknown command\n');
  });
});

describe('serverPortsOf', () => {
  it('names every server of the config by backend and server, with its port, IPv6 included', () => {
    const site = loadSite();
    const ports = serverPortsOf(haproxyView(site, nodeOf(site, 'l7-1')));
    expect(ports.get('be_web srv-1')).toBe(8080);
    expect(ports.get('be_web srv-3')).toBe(8080);
    expect(ports.get('be_api srv-4')).toBe(8081);
    expect(ports.get('enabler l7-1')).toBe(9300);
  });
});
