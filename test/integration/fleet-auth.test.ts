// The fleet commands against an etcd member with its own authentication on:
// a user whose role may write the site's prefix changes it; a wrong password
// and a user without the permission are refused by etcd and said in one line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run.js';
import { startEtcd, type EtcdMember } from '../helpers/etcd.js';
import { writeFleetSite } from '../helpers/fleet-site.js';

let etcd: EtcdMember;
const dir = mkdtempSync(join(tmpdir(), 'tierlb-fleet-auth-'));

const etcdctl = (...args: string[]): string => execFileSync('etcdctl', ['--endpoints', etcd.endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });

beforeAll(async () => {
  etcd = await startEtcd();
  etcdctl('user', 'add', 'root:root-secret');
  etcdctl('role', 'add', 'tierlb-rw');
  etcdctl('role', 'grant-permission', 'tierlb-rw', 'readwrite', '/auth/site/', '--prefix=true');
  etcdctl('user', 'add', 'tierlb:tierlb-secret');
  etcdctl('user', 'grant-role', 'tierlb', 'tierlb-rw');
  etcdctl('user', 'add', 'reader:reader-secret');
  etcdctl('auth', 'enable');
});
afterAll(async () => {
  await etcd.remove();
});

function site(user: string, password: string): string {
  const passwordFile = join(dir, `${user}-${password}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  return writeFleetSite(mkdtempSync(join(dir, 's-')), { endpoint: etcd.endpoint, prefix: '/auth/site', auth: { user, passwordFile } });
}

async function tierlb(file: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'tierlb', ...args, '--config', file], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

describe('tierlb depool with etcd authentication', () => {
  it('changes the fleet state as a user whose role may write the prefix', async () => {
    const r = await tierlb(site('tierlb', 'tierlb-secret'), 'depool', 'srv-1', '--reason', 'auth test');
    expect(r.code, r.err).toBe(0);
    expect(etcdctl('--user', 'root:root-secret', 'get', '/auth/site/pool/srv-1', '--print-value-only')).toMatch(/"pooled":"no"/);
  });

  it('says in one line that etcd refused a wrong password, and changes nothing', async () => {
    const r = await tierlb(site('tierlb', 'wrong'), 'pool', 'srv-1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: .*authentication failed/m);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(etcdctl('--user', 'root:root-secret', 'get', '/auth/site/pool/srv-1', '--print-value-only')).toMatch(/"pooled":"no"/);
  });

  it('says in one line that etcd refused a user without the permission', async () => {
    const r = await tierlb(site('reader', 'reader-secret'), 'pool', 'srv-1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tierlb: .*permission denied/m);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
