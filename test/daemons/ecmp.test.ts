// Every ECMP config the renderers produce goes through the daemon's own
// checker (`bird -p`, `gobgpd -d`), and the announce arguments through a real
// gobgpd, and the example's router, reflector and two L4 nodes run for real in
// network namespaces. The broken goldens prove the checkers run and can say no.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVips, type IpAddress } from '../../site/index.js';
import { renderBirdVips, renderEcmp, gobgpAnnounceArgs, gobgpGracefulShutdownArgs, gobgpWithdrawArgs } from '../../tiers/ecmp/index.js';
import { bgpNodes, birdSpeakerSite, ecmpVariants, nodeOf } from '../../tiers/ecmp/test-sites.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { runChecker, writeTree } from '../helpers/checker.js';
import { loadSite } from '../helpers/site.js';
import { eventually, NetnsLab } from './ecmp-netns.js';

const CHECKERS: Record<string, (file: string) => [string, string[]]> = {
  'bird.conf': (file) => ['bird', ['-p', '-c', file]],
  'bird-bfd.conf': (file) => ['bird', ['-p', '-c', file]],
  'gobgpd.toml': (file) => ['gobgpd', ['-d', '-f', file]],
};

async function check(files: Record<string, string>, main: string): Promise<{ ok: boolean; output: string }> {
  const dir = writeTree(files);
  const checker = CHECKERS[main];
  if (!checker) throw new Error(`no checker for ${main}`);
  const [cmd, args] = checker(join(dir, main));
  return runChecker(cmd, args);
}

describe('ECMP configs through the daemons checkers', () => {
  for (const [variant, site] of Object.entries(ecmpVariants())) {
    for (const node of bgpNodes(site)) {
      const files = Object.fromEntries(renderEcmp(site, node).files.map((f) => [f.name, f.content]));
      for (const main of Object.keys(files).filter((name) => name in CHECKERS)) {
        it(`accepts ${main} of ${node.name} (${variant === '.' ? 'example' : variant})`, async () => {
          const r = await check(files, main);
          expect(r.ok, r.output).toBe(true);
        });
      }
    }
  }

  it('accepts a BIRD speaker announcing every VIP in graceful shutdown', async () => {
    const site = birdSpeakerSite();
    const node = nodeOf(site, 'l4-2');
    const conf = renderEcmp(site, node).files.find((f) => f.name === 'bird.conf')?.content ?? '';
    const vips = renderBirdVips(site, node, allVips(site), { gracefulShutdown: true });
    const r = await check({ 'bird.conf': conf, 'bird-vips.conf': vips }, 'bird.conf');
    expect(r.ok, r.output).toBe(true);
  });

  it('rejects the broken bird.conf golden', async () => {
    const r = await check({ 'bird.conf': readFileSync(join(GOLDEN_DIR, 'ecmp/broken/bird.conf'), 'utf8') }, 'bird.conf');
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/syntax error/);
  });

  it('rejects the broken gobgpd.toml golden', async () => {
    const r = await check({ 'gobgpd.toml': readFileSync(join(GOLDEN_DIR, 'ecmp/broken/gobgpd.toml'), 'utf8') }, 'gobgpd.toml');
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/While parsing config/);
  });
});

describe('gobgp announce arguments against a running gobgpd', () => {
  const site = loadSite();
  const node = nodeOf(site, 'l4-1');
  const api = ['-u', '127.0.0.1', '-p', String(50100 + (process.pid % 1000))];
  let daemon: ReturnType<typeof execa> | undefined;
  const gobgp = (args: readonly string[] | undefined) => execa('gobgp', [...api, ...(args ?? ['--bogus'])], { reject: false });

  beforeAll(async () => {
    // No neighbor and no listening port: only the API, on loopback.
    const dir = writeTree({ 'gobgpd.toml': `[global.config]\n  as = ${node.asn}\n  router-id = "${node.routerId}"\n  port = -1\n` });
    daemon = execa('gobgpd', ['-f', join(dir, 'gobgpd.toml'), '--api-hosts', `127.0.0.1:${api[3]}`, '--pprof-disable'], { reject: false });
    for (let i = 0; i < 50 && (await gobgp(['global'])).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    daemon?.kill();
    await daemon;
  });

  const rib = async (family: string) => (await gobgp(['global', 'rib', '-a', family])).stdout;

  it('announces a VIP with its communities, then with the graceful-shutdown community, then withdraws it', async () => {
    const vip = '198.51.100.1' as IpAddress;
    expect((await gobgp(gobgpAnnounceArgs(site, node, vip, { gracefulShutdown: false }))).exitCode).toBe(0);
    expect(await rib('ipv4')).toMatch(/198\.51\.100\.1\/32\s+10\.0\.0\.21.*\{Origin: i\} \{Communities: 64512:100\}/);
    expect((await gobgp(gobgpGracefulShutdownArgs(site, node, vip))).exitCode).toBe(0);
    // gobgp prints RFC 8326's 65535:0 by its well-known name.
    expect(await rib('ipv4')).toMatch(/Communities: 64512:100, planned-shut\}/);
    expect((await gobgp(gobgpWithdrawArgs(vip))).exitCode).toBe(0);
    expect(await rib('ipv4')).not.toContain('198.51.100.1');
  });

  it('announces an IPv6 VIP with the node IPv6 address as next hop', async () => {
    const vip = '2001:db8::c633:6402' as IpAddress;
    expect((await gobgp(gobgpAnnounceArgs(site, node, vip, { gracefulShutdown: false }))).exitCode).toBe(0);
    expect(await rib('ipv6')).toMatch(/2001:db8::c633:6402\/128\s+fd00::21/);
  });
});

describe('a router learning VIPs through a reflector, in network namespaces', () => {
  const site = loadSite();
  const lab = new NetnsLab();
  const nodes = ['rt-1', 'rr-1', 'l4-1', 'l4-2'].map((n) => nodeOf(site, n));
  const vip = '198.51.100.1' as IpAddress;
  const routeOnRouter = async () => (await lab.exec('rt-1', 'ip', ['route', 'show', vip])).stdout;
  const announce = (l4: string, gracefulShutdown: boolean) => lab.exec(l4, 'gobgp', [...(gobgpAnnounceArgs(site, nodeOf(site, l4), vip, { gracefulShutdown }) ?? [])]);

  let birdSocket = '';

  beforeAll(async () => {
    await lab.start(nodes);
    for (const node of nodes) {
      const dir = writeTree(Object.fromEntries(renderEcmp(site, node).files.map((f) => [f.name, f.content])));
      if (node.role === 'router') birdSocket = join(dir, 'bird.ctl');
      if (node.role === 'router') lab.spawn(node.name, 'bird', ['-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')]);
      else lab.spawn(node.name, 'gobgpd', ['-f', join(dir, 'gobgpd.toml'), '--pprof-disable']);
      // The router's BFD to the L4 nodes decides whether their next hops resolve: they answer as the agent would have them.
      if (node.role === 'l4') lab.spawn(node.name, 'bird', ['-f', '-c', join(dir, 'bird-bfd.conf'), '-s', join(dir, 'bird-bfd.ctl'), '-P', join(dir, 'bird-bfd.pid')]);
    }
    await eventually(async () => (await lab.exec('l4-1', 'gobgp', ['global'])).exitCode === 0 && (await lab.exec('l4-2', 'gobgp', ['global'])).exitCode === 0);
  });

  afterAll(() => lab.stop());

  it('installs one kernel route with a next hop per announcing l4 node', async () => {
    expect((await announce('l4-1', false)).exitCode).toBe(0);
    expect((await announce('l4-2', false)).exitCode).toBe(0);
    await eventually(async () => /nexthop via 10\.0\.0\.21 .*\n\s*nexthop via 10\.0\.0\.22 /.test(await routeOnRouter()));
  });

  it('moves traffic off an l4 node that announces the graceful-shutdown community', async () => {
    expect((await announce('l4-1', true)).exitCode).toBe(0);
    await eventually(async () => /^198\.51\.100\.1 via 10\.0\.0\.22 /.test(await routeOnRouter()));
  });

  it('filters out a host route that is not a VIP of the site', async () => {
    const args = gobgpAnnounceArgs(site, nodeOf(site, 'l4-1'), vip, { gracefulShutdown: false }) ?? [];
    expect((await lab.exec('l4-1', 'gobgp', args.map((a) => a.replace('198.51.100.1/32', '198.51.100.9/32')))).exitCode).toBe(0);
    // BIRD counts the update it received and filtered: the route did arrive, and was refused.
    const stats = async () => (await execa('birdc', ['-s', birdSocket, 'show', 'protocols', 'all', 'bgp_rr_1_ipv4'], { reject: false })).stdout;
    await eventually(async () => /Import updates:\s+\d+\s+\d+\s+[1-9]/.test(await stats()));
    expect((await lab.exec('rt-1', 'ip', ['route', 'show', '198.51.100.9'])).stdout).toBe('');
  });
});
