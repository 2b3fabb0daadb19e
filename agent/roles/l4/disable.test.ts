import { describe, expect, it } from 'vitest';
import { DisableTracker } from './disable.js';

describe('DisableTracker', () => {
  it('times the drain from when the agent first saw the file, across reads', () => {
    const t = new DisableTracker('/etc/lb/disable');
    expect(t.observe({ state: 'disabled', warnings: [] }, 1000).disable).toEqual({ disabled: true, since: 1000 });
    expect(t.observe({ state: 'disabled', reason: 'kernel', warnings: [] }, 5000).disable).toEqual({ disabled: true, since: 1000, reason: 'kernel' });
  });

  it('forgets the time once the file is gone, so the next disable drains in full', () => {
    const t = new DisableTracker('/etc/lb/disable');
    t.observe({ state: 'disabled', warnings: [] }, 1000);
    expect(t.observe({ state: 'enabled' }, 2000).disable).toEqual({ disabled: false });
    expect(t.observe({ state: 'disabled', warnings: [] }, 3000).disable.since).toBe(3000);
  });

  it('reads an expired file as enabled and a future expiry as the time to wake', () => {
    const t = new DisableTracker('/etc/lb/disable');
    expect(t.observe({ state: 'expired', expiredAt: new Date(0), status: 'expired disable file, ignored' }, 10).disable.disabled).toBe(false);
    expect(t.observe({ state: 'disabled', expires: new Date(60000), warnings: [] }, 10).expiresAt).toBe(60000);
  });
});
