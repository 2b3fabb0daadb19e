// Every node of the example site, through the same path as `tierlb render`,
// and every file it renders through its daemon's own checker.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { checkerCommand } from '../../agent/install/checkers.js';
import { renderNodeFiles } from '../../tiers/render.js';
import type { Daemon } from '../../tiers/common/files.js';
import { writeTree } from '../helpers/checker.js';
import { runCli } from '../helpers/cli.js';
import { EXAMPLE_SITE, loadSite } from '../helpers/site.js';

const site = loadSite();
const CHECKED: readonly Daemon[] = ['haproxy', 'bird', 'gobgpd', 'gdnsd'];

describe('every node of examples/site.yaml', () => {
  it.each(site.nodes.map((n) => [n.name, n.role] as const))('%s (%s): every rendered file passes its daemon checker', async (name, role) => {
    const files = renderNodeFiles(site, name) ?? [];
    const dir = writeTree(Object.fromEntries(files.map((f) => [f.name, f.content])));
    const daemons = [...new Set(files.map((f) => f.daemon))].filter((d) => CHECKED.includes(d));
    if (role === 'backend') expect(files).toEqual([]);
    else expect(daemons.length, `${name} renders no checked file`).toBeGreaterThan(0);
    for (const daemon of daemons) {
      const [cmd, args] = checkerCommand(daemon, dir) ?? ['false', []];
      const r = await execa(cmd, args, { reject: false, all: true });
      expect(r.exitCode, `${cmd} ${args.join(' ')}\n${r.all ?? ''}`).toBe(0);
    }
  });
});

describe('npx tierlb render --out, then haproxy -c', () => {
  it('writes an HAProxy config for an L7 node that haproxy -c accepts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tierlb-out-'));
    const r = await runCli(['render', EXAMPLE_SITE, '--node', 'l7-2', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    const check = await execa('haproxy', ['-c', '-f', join(out, 'haproxy.cfg')], { reject: false, all: true });
    expect(check.exitCode, check.all).toBe(0);
  });
});
