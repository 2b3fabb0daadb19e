import { describe, expect, it } from 'vitest';
import { haproxyRuntime, parseServersState } from './haproxy-runtime.js';

const SAMPLE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 be_web 1 srv-1 10.0.2.41 2 0 100 100 12 15 3 4 6 0 0 0 - 8080 - 0 0 - 10.0.2.41 9300
3 be_web 2 srv-2 10.0.2.42 2 8 0 100 3 15 3 4 6 0 0 0 - 8080 - 0 0 - 10.0.2.42 9300
`;

describe('parseServersState', () => {
  it('reads backend, server, operational and admin state, weight and initial weight by column name', () => {
    expect(parseServersState(SAMPLE)).toEqual([
      { backend: 'be_web', server: 'srv-1', opState: 2, adminState: 0, weight: 100, initialWeight: 100 },
      { backend: 'be_web', server: 'srv-2', opState: 2, adminState: 8, weight: 0, initialWeight: 100 },
    ]);
  });

  it('returns nothing for an answer without a header', () => {
    expect(parseServersState('Unknown command.\n')).toEqual([]);
  });
});

describe('haproxyRuntime', () => {
  it('refuses a command with a newline before touching the socket', async () => {
    await expect(haproxyRuntime('/nonexistent.sock').command('set server be/x state ready\nshutdown sessions')).rejects.toThrow(/refusing runtime command/);
  });
});
