import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { SiteNode } from '../../../site/index.js';
import { renderEcmp } from '../../../tiers/ecmp/index.js';
import { changedSite } from '../../../tiers/ecmp/test-sites.js';
import { loadSite, nodeOf } from '../../../test/helpers/site.js';
import { createLogger } from '../../observe/log.js';
import { createMetrics } from '../../observe/metrics.js';
import type { Supervisor } from '../../supervise/supervisor.js';
import { bfdDaemon } from './bfd-daemon.js';

function setup(verdict = true) {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-bfd-'));
  const l4 = nodeOf(loadSite(), 'l4-1');
  const node: SiteNode = { ...l4, agent: { ...l4.agent, configDir: dir as SiteNode['agent']['configDir'] } };
  const events: string[] = [];
  const supervisor = {
    start: (spec: { name: string; args: readonly string[] }) => { events.push(`start ${spec.name} ${spec.args.join(' ')}`); },
    stop: (name: string) => { events.push(`stop ${name}`); return Promise.resolve(); },
    pid: () => 4242,
  } as unknown as Supervisor;
  const daemon = bfdDaemon({
    log: createLogger('l4-1', 'silent'), metrics: createMetrics(new Registry()), supervisor,
    checker: async () => ({ ok: verdict, output: verdict ? '' : 'bird-bfd.conf:1:1 syntax error' }),
  });
  const files = (site = loadSite()) => renderEcmp(site, node).files.filter((f) => f.daemon === 'bird-bfd');
  return { dir, node, events, daemon, files };
}

describe('bfdDaemon', () => {
  it('installs bird-bfd.conf and starts its own BIRD, with its own socket and pid file, dying with the agent', async () => {
    const { dir, node, events, daemon, files } = setup();
    await daemon.configure(node, files());
    expect(readFileSync(join(dir, 'bird-bfd.conf'), 'utf8')).toContain('neighbor 10.0.0.1;');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^start bird-bfd --pdeathsig TERM -- bird -f -c \S+\/bird-bfd\.conf -s \S+\/bird-bfd\.ctl -P \S+\/bird-bfd\.pid$/);
  });

  it('starts it once: the same config again changes nothing', async () => {
    const { node, events, daemon, files } = setup();
    await daemon.configure(node, files());
    await daemon.configure(node, files());
    expect(events.filter((e) => e.startsWith('start'))).toHaveLength(1);
  });

  it('starts nothing when BIRD refuses the config', async () => {
    const { node, events, daemon, files } = setup(false);
    await daemon.configure(node, files());
    expect(events).toEqual([]);
  });

  it('stops it when an edit of the site turns BFD off', async () => {
    const { node, events, daemon, files } = setup();
    await daemon.configure(node, files());
    const off = files(changedSite((v) => { v.bgp.bfd.enabled = false; }));
    expect(off).toEqual([]);
    await daemon.configure(node, off);
    expect(events.at(-1)).toBe('stop bird-bfd');
  });

  it('stops it on stop, and only if it runs', async () => {
    const { node, events, daemon, files } = setup();
    await daemon.stop();
    expect(events).toEqual([]);
    await daemon.configure(node, files());
    await daemon.stop();
    expect(events.at(-1)).toBe('stop bird-bfd');
  });
});
