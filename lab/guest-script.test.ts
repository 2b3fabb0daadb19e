import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSite, REPO } from '../test/helpers/site.js';
import { guestScript } from './guest-script.js';
import { labTopology } from './topology.js';

const t = labTopology(loadSite(join(REPO, 'lab', 'site.yaml')));
const o = { prefix: '', stateDir: '/run/lab', logDir: '/logs', node: '/usr/bin/node', tierlb: '/b/tierlb.mjs', server: '/b/server.mjs', siteFile: '/s/site.yaml', checks: '/b/checks.mjs', client: '/b/client.mjs' };

describe('the lab script', () => {
  it('is the same bring-up in the lab kernel and on the host, which only skip the lab kernel\'s console settings', () => {
    const uml = guestScript(t, o, { shell: false, checks: true });
    const host = guestScript(t, o, { shell: false, checks: true, kernel: 'host' });
    expect(uml).toContain('dmesg -n 1');
    expect(host).not.toContain('dmesg');
    const withoutFirstLines = (s: string): string => s.slice(s.indexOf('mount -t tmpfs run /run')).replace(/^progress ".*(kernel booted|host kernel).*"$/m, '');
    expect(withoutFirstLines(host)).toBe(withoutFirstLines(uml));
  });

  it('gives a shell on the host the launcher\'s terminal, not the console', () => {
    const host = guestScript(t, o, { shell: true, checks: false, kernel: 'host' });
    expect(host).toContain('bash --norc -i <&3 >&4 2>&4');
    expect(host).not.toContain('/dev/console');
  });

  it('tells the checks to stop after the smoke checks with --smoke', () => {
    expect(guestScript(t, o, { shell: false, checks: true, smoke: true })).toContain(" --client '/b/client.mjs' --tierlb '/b/tierlb.mjs' --smoke || status=$?");
    expect(guestScript(t, o, { shell: false, checks: true })).toContain(" --client '/b/client.mjs' --tierlb '/b/tierlb.mjs' || status=$?");
  });

  it('tells the checks which demo steps to run alone with --only', () => {
    expect(guestScript(t, o, { shell: false, checks: true, only: ['mss', 'live-edit'] })).toContain(" --tierlb '/b/tierlb.mjs' --only 'mss,live-edit' || status=$?");
  });
});
