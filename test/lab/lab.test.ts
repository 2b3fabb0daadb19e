// End to end: `npm run lab` once (one boot of the lab kernel, every agent,
// the demo, a live edit of the running site), then one test per behaviour
// the issue names, read from the lab's results. Each check was observed in
// the lab: routers' kernel routes, `ipvsadm -Ln` on the L4 nodes, HAProxy's
// runtime API, and requests from the users' addresses.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

interface Check { name: string; ok: boolean; detail: string }
let checks: Check[] = [];
let output = '';

beforeAll(async () => {
  const r = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'lab', 'main.ts')], { cwd: REPO, reject: false, all: true, timeout: 15 * 60 * 1000 });
  output = r.all ?? '';
  const logs = /logs of every agent and daemon: (\S+)/.exec(output)?.[1];
  if (!logs) throw new Error(`the lab printed no log folder:\n${output.slice(-4000)}`);
  checks = (JSON.parse(readFileSync(join(logs, 'results.json'), 'utf8')) as { checks: Check[] }).checks;
}, 15 * 60 * 1000);

function check(pattern: RegExp): Check[] {
  const found = checks.filter((c) => pattern.test(c.name));
  if (found.length === 0) throw new Error(`no lab check matches ${pattern}; checks: ${checks.map((c) => c.name).join(' | ')}`);
  return found;
}

const passed = (pattern: RegExp): void => {
  for (const c of check(pattern)) expect(c.ok, `${c.name}: ${c.detail}\n--- lab output ---\n${output.slice(-3000)}`).toBe(true);
};

describe('the lab, end to end', () => {
  it('runs every node\'s agent', () => passed(/every node's agent is running/));
  it('establishes the routers\' BGP sessions', () => passed(/BGP sessions established/));
  it('gives every router one next hop per healthy L4 node for every VIP', () => passed(/one next hop per healthy L4 node/));
  it('answers requests from the users to every VIP over IPv4 and IPv6', () => passed(/requests from the users to every VIP/));
  it('answers www.example.org with the VIPs over DNS', () => passed(/DNS answers/));
  it('withdraws a disabled L4 node from the routers while users are still served, and takes it back', () => passed(/\/etc\/lb\/disable on/));
  it('keeps long downloads through a withdrawn L4 node', () => passed(/long downloads/));
  it('gives an L7 node in maintenance weight 0 on every L4 node while users are still served, and restores it', () => passed(/agent-check: L4 nodes give it weight/));
  it('drains a server in every HAProxy while users are still served, and restores it', () => passed(/agent-check: (every HAProxy drains it|back in every HAProxy)/));
  it('announces a VIP added to the running site from every L4 node, answers it, and withdraws a disabled L4 node\'s next hop for it', () => {
    const live = check(/^live edit: /);
    expect(live.map((c) => c.name).every((n) => /VIP \d+\.\d+\.\d+\.\d+/.test(n)), 'each live-edit check names the VIP it added').toBe(true);
    passed(/^live edit: /);
  });
  it('exits 0 exactly when every check passed', () => {
    expect(/lab finished with status (\d+)/.exec(output)?.[1]).toBe(checks.every((c) => c.ok) ? '0' : '1');
  });
});
