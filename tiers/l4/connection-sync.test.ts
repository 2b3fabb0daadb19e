import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../site/index.js';
import { exampleValue, nodeOf, parseValue, siteOf } from '../../test/helpers/site.js';
import { diffSyncDaemons, planConnectionSync, type SyncDaemon } from './connection-sync.js';
import { planNetOps } from './sysctl.js';

function siteWith(connectionSync: Record<string, unknown>) {
  const value = exampleValue();
  value.l4 = { connectionSync };
  return value;
}

const issuesOf = (connectionSync: Record<string, unknown>): string[] => parseValue(siteWith(connectionSync)).issues.map((i) => formatIssue(i));

const master: SyncDaemon = { state: 'master', interface: 'eth1', syncId: 7, group: '239.1.2.3', port: 8848, ttl: 1 };
const backup: SyncDaemon = { ...master, state: 'backup' };

describe('planConnectionSync', () => {
  it('runs a master and a backup with the site\'s settings on an L4 node', () => {
    const s = siteOf(siteWith({ enabled: true, interface: 'eth1', group: '239.1.2.3', syncId: 7 }));
    expect(planConnectionSync(s, nodeOf(s, 'l4-2')).daemons).toEqual([master, backup]);
  });

  it('runs nothing when the site leaves it off, the default, or on another role', () => {
    const off = siteOf(exampleValue());
    expect(off.l4.connectionSync).toMatchObject({ enabled: false, group: '224.0.0.81', port: 8848, ttl: 1, syncId: 1 });
    expect(planConnectionSync(off, nodeOf(off, 'l4-1')).daemons).toEqual([]);
    const on = siteOf(siteWith({ enabled: true, interface: 'eth1' }));
    expect(planConnectionSync(on, nodeOf(on, 'l7-1')).daemons).toEqual([]);
  });

  it('takes an IPv6 group and a message size', () => {
    const s = siteOf(siteWith({ enabled: true, interface: 'bond0.12', group: 'FF02::0:81', maxlen: 8000 }));
    expect(planConnectionSync(s, nodeOf(s, 'l4-1')).daemons[0]).toMatchObject({ group: 'ff02::81', maxlen: 8000, interface: 'bond0.12' });
  });

  it('pins the sync protocol version and keeps a backup node serving, only when enabled', () => {
    const keys = (value: Record<string, unknown>): string[] => planNetOps(siteOf(value)).flatMap((op) => (op.kind === 'sysctl' ? [`${op.key}=${op.value}`] : []));
    expect(keys(siteWith({ enabled: true, interface: 'eth1' }))).toEqual(expect.arrayContaining(['net.ipv4.vs.sync_version=1', 'net.ipv4.vs.backup_only=0']));
    expect(keys(exampleValue()).filter((k) => k.includes('sync') || k.includes('backup_only'))).toEqual([]);
  });
});

describe('l4.connectionSync validation', () => {
  it('needs the interface once enabled', () => {
    expect(issuesOf({ enabled: true })).toEqual([
      expect.stringContaining('l4.connectionSync.interface: expected the device the L4 nodes sync their connections over'),
    ]);
  });

  it('refuses a group that is not multicast, a bad device name, a sync ID out of range and a port out of range, all at once', () => {
    const issues = issuesOf({ enabled: true, interface: 'eth 0', group: '10.0.0.1', syncId: 0, port: 70000, ttl: 0 });
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringContaining('l4.connectionSync.interface: expected a network device name'),
      expect.stringContaining('l4.connectionSync.group: expected a multicast address (IPv4 224.0.0.0/4 or IPv6 ff00::/8), got "10.0.0.1"'),
      expect.stringContaining('l4.connectionSync.syncId'),
      expect.stringContaining('l4.connectionSync.port: expected a port from 1 to 65535, got 70000'),
      expect.stringContaining('l4.connectionSync.ttl'),
    ]));
    expect(issues).toHaveLength(5);
  });

  it('refuses a device name longer than the kernel\'s 15 bytes and a message size an IPv6 datagram cannot carry', () => {
    expect(issuesOf({ enabled: true, interface: 'a-very-long-name0' })).toEqual([expect.stringContaining('1-15 characters')]);
    expect(issuesOf({ enabled: true, interface: 'eth1', group: 'ff02::81', maxlen: 65500 })).toEqual([
      expect.stringContaining('l4.connectionSync.maxlen: expected at most 65487 bytes with an ipv6 group'),
    ]);
    expect(issuesOf({ enabled: true, interface: 'eth1', maxlen: 65500 })).toEqual([]);
  });
});

describe('diffSyncDaemons', () => {
  it('starts what is missing and changes nothing that runs as wanted', () => {
    expect(diffSyncDaemons([master, backup], [])).toEqual([{ kind: 'start', daemon: master }, { kind: 'start', daemon: backup }]);
    expect(diffSyncDaemons([master, backup], [{ ...backup, maxlen: 1472 }, { ...master, maxlen: 1472 }])).toEqual([]);
  });

  it('stops and starts again a daemon whose settings changed, stops before starts', () => {
    const moved = { ...backup, group: '239.1.2.4' };
    expect(diffSyncDaemons([master, moved], [master, backup])).toEqual([
      { kind: 'stop', state: 'backup', why: 'settings changed: group 239.1.2.3 -> 239.1.2.4' },
      { kind: 'start', daemon: moved },
    ]);
    const bigger = { ...master, maxlen: 8000 };
    expect(diffSyncDaemons([bigger], [{ ...master, maxlen: 1472 }])).toEqual([
      { kind: 'stop', state: 'master', why: 'settings changed: maxlen 1472 -> 8000' },
      { kind: 'start', daemon: bigger },
    ]);
  });

  it('stops a daemon the site does not want', () => {
    expect(diffSyncDaemons([], [master, backup])).toEqual([
      { kind: 'stop', state: 'master', why: 'not wanted by the site' },
      { kind: 'stop', state: 'backup', why: 'not wanted by the site' },
    ]);
  });
});
