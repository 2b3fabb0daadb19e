import { describe, expect, it } from 'vitest';
import { FakeSyncDaemons } from '../../../test/fakes/sync-daemons.js';
import { exampleValue, nodeOf, siteOf } from '../../../test/helpers/site.js';
import { planConnectionSync, type ConnectionSyncPlan } from '../../../tiers/l4/connection-sync.js';
import { createLogger } from '../../observe/log.js';
import { ConnectionSyncApplier } from './connection-sync-applier.js';

function planOf(connectionSync: Record<string, unknown>): ConnectionSyncPlan {
  const value = exampleValue();
  value.l4 = { connectionSync };
  const s = siteOf(value);
  return planConnectionSync(s, nodeOf(s, 'l4-1'));
}

const ON = { enabled: true, interface: 'eth1', group: '239.1.2.3', syncId: 9 };

function applierOf(kernel: FakeSyncDaemons) {
  const counted: string[] = [];
  const applier = new ConnectionSyncApplier(kernel, createLogger('l4-1', 'silent'), {
    changed: (state, action) => counted.push(`${action} ${state}`),
    failed: (what) => counted.push(`failed ${what}`),
  });
  return { applier, counted };
}

describe('ConnectionSyncApplier', () => {
  it('starts a master and a backup, then leaves them alone while the plan stays the same', async () => {
    const kernel = new FakeSyncDaemons();
    const { applier, counted } = applierOf(kernel);
    expect(await applier.apply(planOf(ON))).toBe('held');
    expect(kernel.running.map((d) => `${d.state} ${d.interface} ${d.group}:${d.port} id ${d.syncId}`)).toEqual(['master eth1 239.1.2.3:8848 id 9', 'backup eth1 239.1.2.3:8848 id 9']);
    expect(counted).toEqual(['start master', 'start backup']);
    expect(applier.up()).toEqual({ master: true, backup: true });
    kernel.calls.length = 0;
    expect(await applier.apply(planOf(ON))).toBe('held');
    expect(kernel.calls).toEqual([]);
    expect(applier.status(planOf(ON))).toBe('connection sync: master on eth1, 239.1.2.3:8848 ttl 1, sync ID 9, maxlen 1472; backup on eth1, 239.1.2.3:8848 ttl 1, sync ID 9, maxlen 1472');
  });

  it('applies a live edit of the settings by stopping and starting both daemons', async () => {
    const kernel = new FakeSyncDaemons();
    const { applier, counted } = applierOf(kernel);
    await applier.apply(planOf(ON));
    counted.length = 0;
    expect(await applier.apply(planOf({ ...ON, ttl: 2 }))).toBe('held');
    expect(counted).toEqual(['stop master', 'stop backup', 'start master', 'start backup']);
    expect(kernel.running.map((d) => d.ttl)).toEqual([2, 2]);
  });

  it('puts back at a drift check a daemon stopped by hand, and only that one', async () => {
    const kernel = new FakeSyncDaemons();
    const { applier, counted } = applierOf(kernel);
    await applier.apply(planOf(ON));
    await kernel.stop('backup');
    counted.length = 0;
    expect(await applier.apply(planOf(ON))).toBe('held');
    expect(counted).toEqual([]);
    expect(await applier.apply(planOf(ON), { check: true })).toBe('held');
    expect(counted).toEqual(['start backup']);
  });

  it('stops the daemons when the site turns sync off, including ones a former agent started', async () => {
    const kernel = new FakeSyncDaemons();
    await applierOf(kernel).applier.apply(planOf(ON));
    const { applier, counted } = applierOf(kernel);
    expect(await applier.apply(planOf({ enabled: false }))).toBe('held');
    expect(counted).toEqual(['stop master', 'stop backup']);
    expect(kernel.running).toEqual([]);
    expect(applier.up()).toEqual({ master: false, backup: false });
    expect(applier.status(planOf({ enabled: false }))).toBe('connection sync: off');
  });

  it('reports a device the node lacks, retries, and reads the kernel again at the next apply', async () => {
    const kernel = new FakeSyncDaemons();
    const { applier, counted } = applierOf(kernel);
    const plan = planOf({ ...ON, interface: 'eth9' });
    expect(await applier.apply(plan)).toBe('retry');
    expect(counted).toEqual(['failed master', 'failed backup']);
    expect(applier.status(plan)).toContain('not applied: start master sync daemon on eth9: No such device (ENODEV); start backup sync daemon on eth9: No such device (ENODEV)');
    expect(applier.up()).toEqual({ master: false, backup: false });
    kernel.devices.add('eth9');
    kernel.calls.length = 0;
    expect(await applier.apply(plan)).toBe('held');
    expect(kernel.calls).toEqual(['list', 'start master', 'start backup', 'list']);
  });

  it('retries when the kernel cannot be read, and changes nothing', async () => {
    const kernel = new FakeSyncDaemons();
    const { applier, counted } = applierOf(kernel);
    kernel.failNext = { call: 'list', error: 'list sync daemons: the kernel has no IPVS generic netlink family (ENOENT)' };
    expect(await applier.apply(planOf(ON))).toBe('retry');
    expect(counted).toEqual(['failed list']);
    expect(kernel.running).toEqual([]);
  });
});
