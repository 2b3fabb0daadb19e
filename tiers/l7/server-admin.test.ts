import { describe, expect, it } from 'vitest';
import { serverAdminDrift } from './server-admin.js';

// srv_admin_state and weights as HAProxy 2.6 shows them after `set server`
// (read from a running haproxy: drain 8, maint 1, weight 50% of 7 is 3).
describe('serverAdminDrift', () => {
  it('sees a drained server still drained, and one set ready by hand as drift', () => {
    expect(serverAdminDrift({ admin: 'drain', weight: 100 }, { adminState: 8, weight: 100, initialWeight: 100 })).toBeUndefined();
    expect(serverAdminDrift({ admin: 'drain', weight: 100 }, { adminState: 0, weight: 100, initialWeight: 100 })).toBe('not drained (admin state 0)');
  });

  it('sees a ready server drained or in maintenance by hand as drift', () => {
    expect(serverAdminDrift({ admin: 'ready', weight: 100 }, { adminState: 0, weight: 100, initialWeight: 100 })).toBeUndefined();
    expect(serverAdminDrift({ admin: 'ready', weight: 100 }, { adminState: 8, weight: 100, initialWeight: 100 })).toBe('drained (admin state 8)');
    expect(serverAdminDrift({ admin: 'ready', weight: 100 }, { adminState: 1, weight: 100, initialWeight: 100 })).toBe('in maintenance (admin state 1)');
  });

  it('takes HAProxy\'s rounding of a percent weight as the push, and another weight as drift', () => {
    expect(serverAdminDrift({ admin: 'ready', weight: 50 }, { adminState: 0, weight: 3, initialWeight: 7 })).toBeUndefined();
    expect(serverAdminDrift({ admin: 'ready', weight: 33 }, { adminState: 0, weight: 33, initialWeight: 100 })).toBeUndefined();
    expect(serverAdminDrift({ admin: 'ready', weight: 50 }, { adminState: 0, weight: 7, initialWeight: 7 })).toBe('weight 7, pushed 50% of 7');
  });
});
