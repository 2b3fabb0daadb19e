import { describe, expect, it } from 'vitest';
import { loadSite } from '../../test/helpers/site.js';
import { haproxyPaths } from './index.js';
import { nodeOf } from './test-site.js';

describe('haproxyPaths', () => {
  it('puts the sockets and pid file in the run folder and the state in the state folder', () => {
    expect(haproxyPaths(nodeOf(loadSite(), 'l7-1'))).toEqual({
      config: '/etc/tierlb/haproxy.cfg',
      adminSocket: '/run/tierlb/haproxy.sock',
      masterSocket: '/run/tierlb/haproxy-master.sock',
      pidFile: '/run/tierlb/haproxy.pid',
      stateFile: '/var/lib/tierlb/haproxy.state',
    });
  });
});
