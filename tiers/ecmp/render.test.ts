import { describe, expect, it } from 'vitest';
import { netOpsText } from '../common/files.js';
import { expectGolden } from '../../test/helpers/golden.js';
import { loadSite } from '../../test/helpers/site.js';
import { renderBirdVips, renderEcmp } from './index.js';
import { allVips } from '../../site/index.js';
import { bgpNodes, birdSpeakerSite, changedSite, ecmpVariants, nodeOf } from './test-sites.js';

const variants = ecmpVariants();

describe('renderEcmp goldens', () => {
  for (const [folder, site] of Object.entries(variants)) {
    for (const node of bgpNodes(site)) {
      const dir = folder === '.' ? `ecmp/${node.name}` : `ecmp/${folder}/${node.name}`;
      it(`renders every file of ${dir} as its golden copy`, () => {
        const { files, netOps } = renderEcmp(site, node);
        for (const f of files) expectGolden(`${dir}/${f.name}`, f.content);
        if (netOps.length > 0) expectGolden(`${dir}/netops.txt`, netOpsText(netOps));
      });
    }
  }

  it('renders the bird-vips.conf of every VIP in graceful shutdown as its golden copy', () => {
    const site = birdSpeakerSite();
    const text = renderBirdVips(site, nodeOf(site, 'l4-1'), allVips(site), { gracefulShutdown: true });
    expectGolden('ecmp/bird-speaker/l4-1/bird-vips.all-shutdown.conf', text);
  });
});

describe('renderEcmp', () => {
  it('renders the same bytes twice from the same site', () => {
    const [a, b] = [loadSite(), loadSite()];
    for (const name of ['rt-1', 'rr-1', 'l4-1']) expect(renderEcmp(a, nodeOf(a, name))).toEqual(renderEcmp(b, nodeOf(b, name)));
  });

  it('renders nothing for nodes that speak no BGP', () => {
    const site = loadSite();
    for (const name of ['l7-1', 'srv-1', 'dns-1']) expect(renderEcmp(site, nodeOf(site, name))).toEqual({ files: [], netOps: [] });
  });

  it('renders bird.conf for a router, gobgpd.toml for a reflector', () => {
    const site = loadSite();
    expect(renderEcmp(site, nodeOf(site, 'rt-1')).files.map((f) => [f.name, f.daemon])).toEqual([['bird.conf', 'bird']]);
    expect(renderEcmp(site, nodeOf(site, 'rr-1')).files.map((f) => [f.name, f.daemon])).toEqual([['gobgpd.toml', 'gobgpd']]);
  });

  it('renders gobgpd.toml and the BFD-only bird-bfd.conf for an l4 node when the speaker is gobgp', () => {
    const site = loadSite();
    expect(renderEcmp(site, nodeOf(site, 'l4-1')).files.map((f) => [f.name, f.daemon])).toEqual([['gobgpd.toml', 'gobgpd'], ['bird-bfd.conf', 'bird-bfd']]);
  });

  it('renders no bird-bfd.conf when the site disables BFD', () => {
    const site = changedSite((v) => { v.bgp.bfd.enabled = false; });
    expect(renderEcmp(site, nodeOf(site, 'l4-1')).files.map((f) => f.name)).toEqual(['gobgpd.toml']);
  });

  it('renders no BFD-controlled host routes on a router when the site disables BFD', () => {
    const site = changedSite((v) => { v.bgp.bfd.enabled = false; });
    const conf = renderEcmp(site, nodeOf(site, 'rt-1')).files[0]?.content ?? '';
    expect(conf).not.toMatch(/bfd|gateway recursive/);
  });

  it('renders bird.conf and an empty bird-vips.conf for an l4 node when the speaker is bird', () => {
    const site = birdSpeakerSite();
    const files = renderEcmp(site, nodeOf(site, 'l4-1')).files;
    expect(files.map((f) => f.name)).toEqual(['bird.conf', 'bird-vips.conf']);
    expect(files[1]?.content).not.toContain('route ');
  });

  it('turns on forwarding and port-aware multipath hashing on a router', () => {
    const site = loadSite();
    const keys = renderEcmp(site, nodeOf(site, 'rt-1')).netOps.map((op) => (op.kind === 'sysctl' ? `${op.key}=${op.value}` : op.kind));
    expect(keys).toEqual(['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv6.fib_multipath_hash_policy=1']);
  });
});
