// Drift repair for real, inside the user-mode-linux kernel (the host kernel
// has no IPVS): the L4 agent runs with the netlink IPVS port; a destination
// deleted by hand with `ipvsadm -d` is back within the agent's repair
// interval, counted in tierlb_l4_ipvs_drift_total and shown by
// `tierlb status` with what differed; a weight edited by hand with
// `ipvsadm -e` is put back; a flushed table (`ipvsadm -C`) is rebuilt; a
// VIP's address deleted and the VIP device set down are put back within
// seconds (the kernel reports them), an IPVS sysctl written back within the
// minute's read, and so is the VIP's path deleted from gobgpd by
// hand (the router has its route again), each counted by kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { IPVS_REPAIR_MS } from '../../agent/roles/l4/index.js';
import { NET_CHECK_MS } from '../../agent/apply/net-applier.js';
import { parseIpvsList } from '../../tiers/l4/kernel.js';
import { netlinkAvailable } from '../../agent/drivers/ipvs/netlink-addon.js';
import { bundleTierlb, type TierlbBundle } from '../helpers/uml-bundle.js';
import { guestResults, labDriftScript, labFiles, NODES, readShare, VIP, withNativeAddon } from '../helpers/uml-l4-lab.js';

const runs: UmlRun[] = [];
const passed = new Set<UmlRun>();
let bundle: TierlbBundle | undefined;
let main: string | undefined;
beforeAll(async () => {
  bundle = await bundleTierlb();
  main = await withNativeAddon(bundle.dir, bundle.main);
});
afterAll(async () => {
  for (const r of runs) if (passed.has(r)) await removeUmlShare(r);
  await bundle?.remove();
});

/**
 * The measured repair time is the agent's interval plus what the check
 * itself takes in the one-CPU emulated guest (a read, a diff, one netlink
 * operation, a verify read) plus the script's 0.1 s poll.
 */
const CHECK_SLACK_MS = 1500;
/** A link or address undone is reported by the kernel (ip monitor): the agent turns at once instead of at its minute's read. */
const EVENT_REPAIR_MS = 5000;
/**
 * A sysctl has no kernel event: the minute's read of the kernel rides the
 * IPVS drift check's timer, so it comes at the first of those ticks after
 * the minute, up to one tick late (measured 64.7 s once, the minute having
 * restarted from an event-driven read 0.3 s after the write).
 */
const NET_READ_DUE_MS = NET_CHECK_MS + IPVS_REPAIR_MS;

const read = readShare;
const results = guestResults;

function driftCount(metrics: string): number {
  const m = /^tierlb_l4_ipvs_drift_total\{service="web"\} (\d+)/m.exec(metrics);
  return m ? Number(m[1]) : 0;
}

/** The agent's log lines (pino JSON) from `since` on whose message contains `text`. */
function logLines(log: string, since: number, text: string): { at: number; msg: string }[] {
  return log.split('\n').flatMap((line) => {
    if (!line.startsWith('{') || !line.includes(text)) return [];
    try {
      const { time, msg } = JSON.parse(line) as { time?: string; msg?: string };
      const at = Date.parse(time ?? '');
      return at >= since && msg?.includes(text) ? [{ at, msg }] : [];
    } catch {
      return [];
    }
  });
}

describe('the L4 agent repairs IPVS drift in the user-mode-linux kernel', () => {
  it('puts back a destination deleted by hand and a weight edited by hand, and says so', async () => {
    expect(netlinkAvailable(), 'the netlink addon must be built (npm run build:native) for this test').toEqual({ ok: true });
    if (!main) throw new Error('expected the tierlb bundle from beforeAll');
    const started = Date.now();
    const run = await runInUml(labDriftScript({ tierlb: main }), {
      modules: ['ip_vs', 'ip_vs_mh', 'ipip', 'dummy', 'veth', 'bridge'], files: labFiles('gobgp'), memMb: 1024, timeoutMs: 360000,
    });
    runs.push(run);
    const r = results(run);
    const log = read(run, 'agent.log');
    const context = [
      `share folder (kept): ${run.shareDir}`, `results:\n${read(run, 'results.env')}`, `guest output:\n${run.output.slice(-2000)}`,
      `agent log (drift lines):\n${log.split('\n').filter((l) => /drift|IPVS/.test(l)).slice(-30).join('\n')}`,
      `status after the delete:\n${read(run, 'status-drift.txt')}`, `console (tail):\n${run.console.slice(-1500)}`,
    ].join('\n\n');
    console.log(`UML run ${Date.now() - started} ms; figures: ${JSON.stringify(r)}`);
    expect(r.done, `the guest script did not finish\n${context}`).toBe('1');

    // The netlink port, and status says so.
    expect(logLines(log, 0, 'IPVS through netlink').length, `agent log: IPVS through netlink\n${context}`).toBe(1);
    expect(read(run, 'status-drift.txt'), context).toContain('IPVS through netlink (native addon)');
    const before = parseIpvsList(read(run, 'ipvs-before.txt'))[0];
    expect(before?.destinations.map((d) => [d.address, d.weight]), context).toEqual([[NODES['l7-1'], 100], [NODES['l7-2'], 100]]);
    const driftBefore = driftCount(read(run, 'metrics-before.txt'));

    // 1. ipvsadm -d: the destination is back within the repair interval, counted, shown, logged.
    const deletedAt = Number(r.deleted_at);
    expect(Number.isFinite(deletedAt), context).toBe(true);
    // The read right after the delete misses l7-2 unless the agent's periodic check put it back in between
    // (two ipvsadm starts in a busy lab kernel can straddle it); its log line below names what it found.
    expect([[NODES['l7-1']], [NODES['l7-1'], NODES['l7-2']]], 'the hand delete took, or was already repaired').toContainEqual(parseIpvsList(read(run, 'ipvs-deleted.txt'))[0]?.destinations.map((d) => d.address));
    const found = logLines(log, deletedAt, 'IPVS drift found')[0];
    const restoredMs = Number(r.delete_restored_ms);
    console.log(`ipvsadm -d: agent logs the drift after ${found ? found.at - deletedAt : NaN} ms, the kernel holds the destination again after ${restoredMs} ms (repair interval ${IPVS_REPAIR_MS} ms): ${found?.msg ?? '(no log line)'}`);
    expect(found?.msg, context).toContain(`real server l7-2 ${NODES['l7-2']}:80 missing from the kernel`);
    expect((found?.at ?? Infinity) - deletedAt, `drift found within the repair interval\n${context}`).toBeLessThanOrEqual(IPVS_REPAIR_MS);
    expect(restoredMs, `destination restored within the repair interval + the check's own time\n${context}`).toBeLessThanOrEqual(IPVS_REPAIR_MS + CHECK_SLACK_MS);
    const restored = parseIpvsList(read(run, 'ipvs-restored.txt'))[0];
    expect(restored?.destinations.map((d) => [d.address, d.weight, d.forwarding]), context).toEqual([[NODES['l7-1'], 100, 'tunnel'], [NODES['l7-2'], 100, 'tunnel']]);
    const afterDelete = driftCount(read(run, 'metrics-delete.txt'));
    expect(afterDelete, `tierlb_l4_ipvs_drift_total{service="web"} counts the delete\n${context}`).toBeGreaterThan(driftBefore);
    const status = read(run, 'status-drift.txt');
    expect(status, `status shows the drift\n${status}`).toMatch(new RegExp(`drift: tcp ${VIP.replaceAll('.', '\\.')}:80: real server l7-2 .* missing from the kernel .*repaired`));

    // 2. ipvsadm -e: the weight is put back.
    const editedAt = Number(r.edited_at);
    expect(Number.isFinite(editedAt), context).toBe(true);
    // The read right after the edit shows 42 unless the agent's periodic check repaired it in between
    // (two ipvsadm starts in a busy lab kernel can straddle it); its log line below names the 42 it found.
    expect([42, 100], 'the hand edit took, or was already repaired').toContain(parseIpvsList(read(run, 'ipvs-edited.txt'))[0]?.destinations.find((d) => d.address === NODES['l7-1'])?.weight);
    const weightMs = Number(r.weight_restored_ms);
    const edited = logLines(log, editedAt, 'IPVS drift found')[0];
    console.log(`ipvsadm -e -w 42: weight back to 100 after ${weightMs} ms: ${edited?.msg ?? '(no log line)'}`);
    expect(edited?.msg, context).toMatch(/real server l7-1 .* weight 42 in the kernel, plan tunnel weight 100/);
    expect(weightMs, `weight restored within the repair interval + the check's own time\n${context}`).toBeLessThanOrEqual(IPVS_REPAIR_MS + CHECK_SLACK_MS);
    expect(parseIpvsList(read(run, 'ipvs-weight-back.txt'))[0]?.destinations.map((d) => [d.address, d.weight]), context).toEqual([[NODES['l7-1'], 100], [NODES['l7-2'], 100]]);
    expect(driftCount(read(run, 'metrics-weight.txt')), context).toBeGreaterThan(afterDelete);
    expect(read(run, 'status-weight.txt'), context).toMatch(/drift: .*weight 42 in the kernel/);

    // 3. The whole table flushed: rebuilt in the Maglev order.
    const clearedAt = Number(r.cleared_at);
    expect(Number.isFinite(clearedAt), context).toBe(true);
    const clearMs = Number(r.clear_restored_ms);
    const cleared = logLines(log, clearedAt, 'IPVS drift found')[0];
    console.log(`ipvsadm -C: table back after ${clearMs} ms: ${cleared?.msg ?? '(no log line)'}`);
    expect(cleared?.msg, context).toContain(`service tcp ${VIP}:80 missing from the kernel`);
    expect(clearMs, `table rebuilt within the repair interval + the check's own time\n${context}`).toBeLessThanOrEqual(IPVS_REPAIR_MS + CHECK_SLACK_MS);
    const rebuilt = parseIpvsList(read(run, 'ipvs-after-clear.txt'))[0];
    expect(rebuilt && [rebuilt.scheduler, rebuilt.destinations.map((d) => [d.address, d.weight, d.forwarding])], context)
      .toEqual(['mh', [[NODES['l7-1'], 100, 'tunnel'], [NODES['l7-2'], 100, 'tunnel']]]);

    // 4. Kernel state beyond IPVS: each put back within the interval, counted by kind, logged, in status.
    for (const [what, at, ms, logged, everyMs] of [
      ['ip addr del VIP dev tierlb0', r.addr_deleted_at, r.addr_restored_ms, `ip address add ${VIP}/32 dev tierlb0`, EVENT_REPAIR_MS],
      ['ip link set tierlb0 down', r.dev_down_at, r.dev_restored_ms, 'ip link set tierlb0 up', EVENT_REPAIR_MS],
      ['sloppy_tcp written back to 0', r.sysctl_at, r.sysctl_restored_ms, 'sysctl -w net.ipv4.vs.sloppy_tcp=1', NET_READ_DUE_MS],
      ['gobgp global rib del VIP', r.path_deleted_at, r.path_restored_ms, `announce ${VIP}`, IPVS_REPAIR_MS],
    ] as const) {
      const line = logLines(log, Number(at), 'drift repaired: ').find((l) => l.msg.includes(logged));
      console.log(`${what}: back after ${ms} ms: ${line?.msg ?? '(no log line)'}`);
      expect(Number.isFinite(Number(at)), `${what} done\n${context}`).toBe(true);
      expect(Number(ms), `${what}: repaired within the interval + the check's own time\n${context}`).toBeLessThanOrEqual(everyMs + CHECK_SLACK_MS);
      expect(line, `${what}: the agent logs the repair\n${context}`).toBeDefined();
    }
    const repairs = read(run, 'metrics-kernel.txt');
    for (const kind of ['address', 'link', 'sysctl', 'route']) {
      const m = new RegExp(`^tierlb_agent_drift_repairs_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(repairs);
      expect(Number(m?.[1] ?? 0), `tierlb_agent_drift_repairs_total{kind="${kind}"}\n${repairs.slice(0, 2000)}`).toBeGreaterThanOrEqual(1);
    }
    expect(read(run, 'status-kernel.txt'), context).toMatch(/kernel state drift check every 60 s: \d+ checks, [3-9]\d* repairs \(.*; BGP speaker: [1-9]\d* announcements put back/);
    passed.add(run);
  }, 420000);
});
