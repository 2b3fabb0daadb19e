// The packaged unit under systemd as PID 1: the .deb installed with dpkg in a
// user-mode-linux guest whose root is the host's (overlays with a tmpfs upper
// layer, so nothing reaches the host), then systemd 252 boots in it and a
// oneshot unit drives tierlb-agent@l4-1 as an operator would: start returns
// once the agent is ready (Type=notify), reload applies an edited site file,
// a planned stop drains and withdraws before the agent exits and stops the
// speaker, and a SIGKILL is restarted by systemd while the speaker dies with
// the agent (README: "Planned stop versus agent crash"). The L4 node is the
// guest's own namespace; a BIRD router and two HAProxy L7 nodes run beside it.
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { parseIpvsList } from '../../tiers/l4/kernel.js';
import { guestResults, labFiles, labSiteValue, readShare, VIP } from '../helpers/uml-l4-lab.js';
import { REPO } from '../helpers/site.js';
import { driverScript, NEW_VIP, PROOF_TARGET, proofUnits, setupScript, UNIT } from './systemd-guest.js';

const BUILD_MS = 10 * 60 * 1000;
const GUEST_MS = 10 * 60 * 1000;
const MODULES = ['overlay', 'ip_vs', 'ip_vs_mh', 'ipip', 'dummy', 'veth', 'bridge'];

let run: UmlRun | undefined;
let failed = false;
const read = (name: string): string => (run ? readShare(run, name) : '(no run)');
const results = (): Record<string, string> => (run ? guestResults(run) : {});

/** `KEY=value` lines of `systemctl show`. */
function shown(name: string): Record<string, string> {
  return Object.fromEntries(read(name).split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function context(): string {
  return [
    `share folder (kept): ${run?.shareDir ?? 'none'}`, `results:\n${read('results.env')}`,
    `agent journal (tail):\n${read('journal.txt').split('\n').slice(-60).join('\n')}`,
    `driver (tail):\n${read('driver.log').split('\n').slice(-40).join('\n')}`,
    `setup output (tail):\n${run?.output.slice(-2000) ?? ''}`, `console (tail):\n${run?.console.slice(-3000) ?? ''}`,
  ].join('\n\n');
}

/** A figure in ms the guest measured, or a failure that says which. */
function figure(key: string): number {
  const v = Number(results()[key]);
  expect(Number.isFinite(v), `${key}: expected a time in ms, got ${results()[key] ?? 'nothing'}\n${context()}`).toBe(true);
  return v;
}

function siteWith(vips: readonly string[]): string {
  const value = labSiteValue('gobgp') as { services: { vips: string[] }[] };
  for (const s of value.services) s.vips = [...vips];
  return stringify(value);
}

beforeAll(async () => {
  // The share is under /var/tmp (the guest's /tmp is a fresh tmpfs) and holds the .deb.
  await mkdir('/var/tmp/tierlb', { recursive: true });
  const share = await mkdtemp('/var/tmp/tierlb/systemd-');
  const built = await execa(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/package.ts'), '--out', share], { cwd: REPO, reject: false, all: true, timeout: BUILD_MS });
  if (built.exitCode !== 0) throw new Error(`npm run package failed:\n${built.all}`);
  const deb = (await readdir(share)).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`no .deb in ${share}`);
  const started = Date.now();
  run = await runInUml(setupScript(join(share, deb)), {
    modules: MODULES, memMb: 1024, timeoutMs: GUEST_MS, shareDir: share,
    files: { ...labFiles('gobgp'), 'site.yaml': siteWith([VIP]), 'site-edited.yaml': siteWith([VIP, NEW_VIP]), 'driver.sh': driverScript(), ...proofUnits(share) },
    thenExec: `/lib/systemd/systemd --unit=${PROOF_TARGET} --log-target=console --show-status=0`,
  });
  console.log(`systemd guest: ${Date.now() - started} ms in all; figures: ${JSON.stringify(results())}`);
}, BUILD_MS + GUEST_MS);

afterAll(async () => {
  if (run && !failed) await removeUmlShare(run);
});

describe(`${UNIT} from the .deb, under systemd as PID 1 in a user-mode-linux guest`, () => {
  const step = (name: string, fn: () => void): void => {
    it(name, () => {
      try {
        fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });
  };

  step('installs the package and boots systemd as PID 1, which runs the proof to its end', () => {
    expect(run?.exitCode, `the setup before systemd failed\n${read('dpkg.out')}\n${context()}`).toBe(0);
    expect(run?.timedOut, `the guest did not power off in time\n${context()}`).toBe(false);
    expect(results().systemd_pid1, context()).toBe('systemd');
    expect(results().done, `the driver did not finish\n${context()}`).toBe('1');
  });

  step('systemctl start returns once the agent is ready, with its status line', () => {
    expect(results().start_rc, context()).toBe('0');
    figure('start_ms');
    expect(shown('show-start.txt'), context()).toMatchObject({ ActiveState: 'active', SubState: 'running', NRestarts: '0' });
    expect(shown('show-start.txt').StatusText, context()).toMatch(/^l4: last turn (applied|partial)/);
    // READY=1 comes after the first applied turn: the table is in the kernel when start returns.
    const table = parseIpvsList(read('ipvs-start.txt'));
    expect(table.map((s) => s.vip), `IPVS when systemctl start returned\n${read('ipvs-start.txt')}\n${context()}`).toEqual([VIP]);
    figure('route_after_start_ms');
  });

  step('systemctl status shows it active (running) with the agent\'s status line', () => {
    const status = read('status-start.txt');
    expect(status, context()).toMatch(/Active: active \(running\)/);
    expect(status, context()).toMatch(/Status: "l4: last turn/);
    expect(read('tierlb-status.txt'), context()).toContain(VIP);
  });

  step('systemctl reload after an edit of the site file applies it: a new VIP in IPVS and announced by the speaker', () => {
    expect(results().reload_rc, context()).toBe('0');
    figure('reload_ipvs_ms');
    figure('reload_announce_ms');
    expect(read('journal.txt'), context()).toContain(`"msg":"BGP: announce ${NEW_VIP}"`);
    expect(parseIpvsList(read('ipvs-reload.txt')).map((s) => s.vip).sort(), context()).toEqual([VIP, NEW_VIP].sort());
    expect(shown('show-reload.txt'), context()).toMatchObject({ ActiveState: 'active', NRestarts: '0' });
  });

  step('systemctl stop drains with the graceful-shutdown community, withdraws, stops the speaker and leaves IPVS', () => {
    expect(results().stop_rc, context()).toBe('0');
    figure('stop_gs_seen_ms');
    expect(results().stop_withdrawn, context()).toBe('yes');
    expect(results().speaker_before_stop, context()).toMatch(/^\d+$/);
    expect(results().speaker_after_stop, `gobgpd still running after the stop\n${context()}`).toBe('');
    expect(shown('show-stop.txt'), context()).toMatchObject({ ActiveState: 'inactive', Result: 'success' });
    expect(parseIpvsList(read('ipvs-stop.txt')).flatMap((s) => s.destinations), `IPVS left in place\n${read('ipvs-stop.txt')}`).toHaveLength(4);
    const journal = read('journal-stop.txt');
    const order = ['planned stop: graceful-shutdown community, then withdraw', `BGP: announce ${VIP} graceful-shutdown`, 'BGP: withdraw', 'planned stop done'];
    const at = order.map((text) => journal.lastIndexOf(text));
    expect(at.every((i) => i >= 0), `every step of the stop in the journal: ${JSON.stringify(order)}\n${journal.slice(-4000)}`).toBe(true);
    expect([...at].sort((a, b) => a - b), `the stop's steps in order\n${journal.slice(-4000)}`).toEqual(at);
  });

  step('kill -9 of the agent: the speaker dies with it, the route goes, systemd restarts the agent and the route comes back', () => {
    expect(results().restart_start_rc, context()).toBe('0');
    expect(results().speaker_before_crash, context()).toMatch(/^\d+$/);
    figure('crash_withdrawn_ms');
    expect(results().old_speaker_alive, `the old gobgpd outlived the agent\n${context()}`).toBe('no');
    expect(parseIpvsList(read('ipvs-crash.txt')).length, `IPVS stays through the crash\n${read('ipvs-crash.txt')}`).toBe(2);
    figure('restart_ms');
    figure('crash_route_back_ms');
    expect(results().speaker_after_crash, context()).toMatch(/^\d+$/);
    expect(results().speaker_after_crash).not.toBe(results().speaker_before_crash);
    const after = shown('show-crash.txt');
    expect(after, context()).toMatchObject({ ActiveState: 'active', SubState: 'running', NRestarts: '1' });
    expect(after.MainPID).not.toBe(results().crash_main_pid);
    expect(read('status-crash.txt'), context()).toMatch(/Active: active \(running\)/);
  });
});
