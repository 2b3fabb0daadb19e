// Kernel state undone by hand on an L7 node, put back by its agent: first an
// rp_filter written back alone (no event reports a sysctl, so only the
// agent's read of the kernel on its interval finds it), then a VIP deleted
// from lo and the IPv4 tunnel device set down at once (the kernel reports
// both; the agent reads the kernel back at once). Each undo and each wait
// runs as one shell loop inside the node, so the times are the node's own,
// not the lab's process starts. Every wait is bounded.
import { NET_CHECK_MS } from '../../agent/apply/net-applier.js';
import { familyOf, nodesWithRole, servicesOnL7, type Site, type SiteNode } from '../../site/index.js';
import { blocked, type Check } from './bringup.js';
import { inNode, progress, sleep, type LabEnv } from './env.js';

/** What the agent's turn and an `ip` read take in the busy one-CPU lab kernel, beyond the event itself. */
const EVENT_BOUND_MS = 5000;
/** The minute's read, and the turn after it. */
const INTERVAL_BOUND_MS = NET_CHECK_MS + EVENT_BOUND_MS;
/** Weights come back after the tunnel's checks saw the node answer again (rise 2 × 2 s), with room. */
const SETTLE_MS = 8000;

const RP_FILTER = 'net.ipv4.conf.all.rp_filter';

interface Scene { readonly node: SiteNode; readonly vip: string }

function sceneOf(site: Site): Scene | undefined {
  const l7 = nodesWithRole(site, 'l7');
  const node = l7[1] ?? l7[0];
  const vip = node && servicesOnL7(site, node.name).flatMap((s) => s.vips).find((v) => familyOf(v) === 'ipv4');
  return node && vip ? { node, vip } : undefined;
}

/**
 * Runs `undo` in the node, then polls `holds` every 50 ms for at most
 * `boundMs`; prints the milliseconds from the undo to the first poll that
 * held, or "timeout".
 */
function undoAndWait(undo: string, holds: string, boundMs: number): string {
  return `set -u
now() { date +%s%3N; }
${undo} || { echo "undo-failed"; exit 0; }
t=$(now)
while [ $(( $(now) - t )) -le ${boundMs} ]; do
  if ${holds}; then echo $(( $(now) - t )); exit 0; fi
  sleep 0.05
done
echo timeout`;
}

async function timed(env: LabEnv, node: string, undo: string, holds: string, boundMs: number): Promise<number | string> {
  const r = await inNode(env, node, 'sh', ['-c', undoAndWait(undo, holds, boundMs)], boundMs + 30000);
  const out = r.stdout.trim();
  return /^\d+$/.test(out) ? Number(out) : out || `exit ${r.code}: ${r.stderr.slice(0, 200)}`;
}

const secs = (v: number | string): string => (typeof v === 'number' ? `${(v / 1000).toFixed(2)} s` : v);

async function rpFilterAlone(env: LabEnv, s: Scene): Promise<Check> {
  const name = `drift on ${s.node.name}: ${RP_FILTER} written back to 1 by hand: put back by the agent's read of the kernel (bound ${INTERVAL_BOUND_MS / 1000} s)`;
  progress(env, `  ${s.node.name}# sysctl -w ${RP_FILTER}=1`);
  const ms = await timed(env, s.node.name, `sysctl -qw ${RP_FILTER}=1`, `[ "$(sysctl -n ${RP_FILTER})" = 0 ]`, INTERVAL_BOUND_MS);
  progress(env, `  ${RP_FILTER} back to 0 after ${secs(ms)}`);
  return { name, ok: typeof ms === 'number', detail: `back to 0 after ${secs(ms)}`, ...(typeof ms === 'number' ? { ms } : {}) };
}

async function addressAndLink(env: LabEnv, s: Scene): Promise<Check[]> {
  progress(env, `  ${s.node.name}# ip address del ${s.vip}/32 dev lo; ip link set tunl0 down`);
  const undo = `ip address del ${s.vip}/32 dev lo && ip link set tunl0 down`;
  const holds = `ip -o address show dev lo | grep -q ' ${s.vip}/32 ' && ip -o link show tunl0 | grep -Eq '[<,]UP[,>]'`;
  const ms = await timed(env, s.node.name, undo, holds, EVENT_BOUND_MS);
  progress(env, `  ${s.vip} on lo and tunl0 up again after ${secs(ms)}`);
  return [{
    name: `drift on ${s.node.name}: a VIP deleted from lo and tunl0 set down by hand: both put back on the kernel's events (bound ${EVENT_BOUND_MS / 1000} s)`,
    ok: typeof ms === 'number', detail: `both back after ${secs(ms)}`, ...(typeof ms === 'number' ? { ms } : {}),
  }];
}

/** The drift step: an L7 node's sysctl alone, then its VIP address and tunnel device together. */
export async function l7Drift(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const s = sceneOf(env.site);
  if (!s) return [{ name: 'drift on an L7 node', ok: false, detail: 'no L7 node with an IPv4 VIP in this site' }];
  const block = blocked(`drift on ${s.node.name}`, [s.node.name], up);
  if (block) return [block];
  progress(env, `drift repair on ${s.node.name}: kernel state undone by hand`);
  const checks = [await rpFilterAlone(env, s)];
  await sleep(SETTLE_MS);
  checks.push(...await addressAndLink(env, s));
  await sleep(SETTLE_MS);
  return checks;
}
