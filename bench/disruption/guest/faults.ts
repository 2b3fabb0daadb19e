// Faults worse than a clean kill, each under the same slow downloads as the
// disruption scenarios (under-load.ts): a node frozen, a link cut, a lossy
// and slow link, a daemon hung instead of dead, a reflector or a router's
// BIRD killed, an agent killed in the middle of its work, a full disk, a
// garbage site file. Each row says what broke and how long the site took to
// route around it and to come back.
import { writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { nodeNamed, nodesWithRole } from '../../../site/index.js';
import { haproxyPaths } from '../../../tiers/l7/paths.js';
import { nodeSiteFile } from '../../../lab/script.js';
import { routesMatch } from '../../../lab/guest/bringup.js';
import { agentLines, type LoggedLine } from '../../../lab/guest/agent-log.js';
import { birdcOn } from '../../../lab/guest/observe.js';
import { firstHeld, routeMonitors } from '../../../lab/guest/reaction.js';
import { inNode, progress, sleep, type LabEnv } from '../../../lab/guest/env.js';
import { readNodeSite, writeNodeSite } from '../../../lab/guest/node-site.js';
import { withBfd as withBfdText, withServiceSetting } from '../../../lab/guest/site-edits.js';
import { setConnectionSync } from './sync.js';
import {
  addressesOf, allWeighted, editMaintenance, ipvsReaction, l4Names, names, noWeight, routeReaction, sh, underLoad,
  type Body, type LoadOptions, type Scenario,
} from './under-load.js';
import { agentOf, daemonsOf, gone, haproxyOf, processes, restart, signal } from './watch.js';

/** How long a fault that is undone by hand stays: past the BGP hold time of the lab site (9 s), so the routers act on it. */
const FAULT_HOLD_MS = 20000;

const lastL4 = (env: LabEnv): string => l4Names(env).slice(-1)[0] ?? 'l4-3';

/** Routers without `node`, then (after `undo`) with every L4 node again; both as reactions. */
async function outAndBack(env: LabEnv, node: string, b: Body, fault: () => Promise<void>, undo: () => Promise<void>, what: string, outTargetMs?: number): Promise<void> {
  const l4 = l4Names(env);
  const mon = routeMonitors(env);
  try {
    b.actionAt = Date.now();
    await fault();
    await routeReaction(env, mon, b.actionAt, l4.filter((n) => n !== node), `${what}: ${node} out of the routers' tables`, outTargetMs, b, 60000);
    await sleep(Math.max(0, FAULT_HOLD_MS - (Date.now() - b.actionAt)));
    const back = Date.now();
    await undo();
    await routeReaction(env, mon, back, l4, `${what} undone: ${node} back`, undefined, b, 90000);
  } finally {
    mon.stop();
  }
}

/**
 * A fault that should move nothing: the routers keep every L4 node (read
 * every second for the hold), the flows keep going; then `undo`. Recovery
 * (`recovered` holds) is timed from the fault when nothing is undone by hand
 * (a daemon killed and started again by its agent), else from the undo.
 */
async function nothingMoves(env: LabEnv, b: Body, fault: () => Promise<void>, undo: (() => Promise<void>) | undefined, recovered: () => Promise<boolean>, what: string): Promise<void> {
  b.actionAt = Date.now();
  await fault();
  const l4 = l4Names(env);
  const selfHealed = undo === undefined ? firstHeld(60000, recovered, 200) : undefined;
  let lost = 0;
  for (let i = 0; i < FAULT_HOLD_MS / 1000; i++) {
    if (!(await routesMatch(env, l4))) lost++;
    await sleep(1000);
  }
  b.notes.push(lost === 0 ? `${what}: every router kept every L4 node (read every second for ${FAULT_HOLD_MS / 1000} s)` : `${what}: a router missed an L4 node in ${lost} of ${FAULT_HOLD_MS / 1000} reads`);
  if (selfHealed) {
    const at = await selfHealed;
    b.reactions.push({ what: `${what}: recovered`, ms: at === null ? null : at - b.actionAt, how: 'from the kill until a new process ran and every router had every L4 node (polled every 0.2 s)' });
    return;
  }
  const back = Date.now();
  await undo?.();
  const at = await firstHeld(120000, recovered, 500);
  b.reactions.push({ what: `${what}: recovered`, ms: at === null ? null : at - back, how: 'from the undo until every router had every L4 node (polled every 0.5 s)' });
}

const routesWhole = (env: LabEnv) => async (): Promise<boolean> => (await routesMatch(env, l4Names(env))) !== undefined;

function fault(id: string, name: string, act: (env: LabEnv, b: Body) => Promise<void>, ok: (broken: number) => boolean = (n) => n === 0): Scenario {
  return {
    id, name, kind: 'failure',
    run(env: LabEnv, load: LoadOptions) {
      return underLoad(env, this, load, load.seconds, (b) => act(env, b), (f) => ok(f.broken));
    },
  };
}

/** What BFD promises: a frozen L4 node out of the routers' tables within this. */
const BFD_DETECTS_MS = 1000;

/** SIGSTOP of the last L4 node's control plane for the hold, then SIGCONT: out of the routers' tables (within `targetMs`) and back. */
async function freezeL4(env: LabEnv, b: Body, targetMs?: number): Promise<void> {
  const node = lastL4(env);
  const frozen = [...processes(agentOf(node)), ...daemonsOf(env, node, ['gobgpd', 'bird'])];
  if (frozen.length < 2) throw new Error(`${node}: expected its agent and its speaker, found ${frozen.length} process(es)`);
  b.notes.push(`the kernel of ${node} keeps forwarding (IPVS is in the kernel): the frozen part is the control plane (${frozen.length} processes); the routers drop it when BGP's hold time (${env.site.bgp.holdTime.toString()}) or BFD says so`);
  await outAndBack(env, node, b, async () => {
    b.actions.push(`SIGSTOP ${node}'s agent and daemons (${frozen.length} processes)`);
    signal(frozen, 'SIGSTOP');
  }, async () => {
    b.actions.push(`SIGCONT ${node}'s agent and daemons`);
    signal(frozen, 'SIGCONT');
  }, 'frozen', targetMs);
}

/**
 * The lab's BFD timers: the lab kernel is one CPU shared by every node, where
 * a BIRD that waits its turn longer than interval x multiplier takes an L4
 * node down; 250 ms x 3 still detects a freeze within 1 s.
 */
const LAB_BFD = { interval: '250ms', multiplier: 3 } as const;

/** Up BFD sessions a router's BIRD reports (`show bfd sessions`). */
async function bfdSessionsUp(env: LabEnv, router: string): Promise<number> {
  const r = await birdcOn(env, router, ['show', 'bfd', 'sessions']);
  return r.stdout.split('\n').filter((l) => /\sUp\s/.test(l)).length;
}

/**
 * BFD on in the site files: the L4 nodes first (each runs BFD before any
 * router asks for it, so no router finds an L4 node silent), then the
 * routers, until every router has a session up to every L4 address; off in
 * the reverse order.
 */
async function setBfd(env: LabEnv, enabled: boolean, b: Pick<Body, 'actions' | 'notes'>): Promise<void> {
  const l4 = l4Names(env);
  const routers = names(nodesWithRole(env.site, 'router'));
  const write = (nodes: readonly string[]): void => {
    for (const n of nodes) writeNodeSite(env, n, withBfdText(readNodeSite(env, n), enabled, enabled ? LAB_BFD : undefined));
  };
  const l4Addresses = l4.flatMap((n) => addressesOf(env, n)).length;
  const start = Date.now();
  if (enabled) {
    write(l4);
    if (await firstHeld(90000, () => Promise.resolve(l4.every((n) => daemonsOf(env, n, ['bird']).length > 0)), 500) === null) throw new Error('an L4 node ran no BFD BIRD 90 s after the site edit');
    write(routers);
    const up = await firstHeld(90000, async () => (await Promise.all(routers.map((r) => bfdSessionsUp(env, r)))).every((x) => x >= l4Addresses), 500);
    if (up === null) throw new Error(`a router had fewer than ${l4Addresses} BFD sessions up 90 s after the site edit`);
  } else {
    write(routers);
    await sleep(5000);
    write(l4);
  }
  const whole = await firstHeld(90000, async () => (await routesMatch(env, l4)) !== undefined, 500);
  b.actions.push(`site files: bgp.bfd ${enabled ? `on (${LAB_BFD.interval} x ${LAB_BFD.multiplier}), L4 nodes first, then the routers` : 'off, the routers first, then the L4 nodes'}`);
  b.notes.push(`BFD ${enabled ? `on: every router had ${l4Addresses} sessions up` : 'off'} and every route whole ${whole === null ? 'NOT within 90 s' : `${((whole - start) / 1000).toFixed(1)} s after the first edit`}`);
}

/**
 * The same fault with a setting on for its flows and off again after
 * (`set`: BFD, connection sync); the row says both edits.
 */
function withSetting(s: Scenario, suffix: string, label: string, set: (env: LabEnv, on: boolean, b: Body) => Promise<void>): Scenario {
  return {
    id: `${s.id}.${suffix}`, name: `${s.name}; ${label} on`, kind: s.kind,
    async run(env: LabEnv, load: LoadOptions) {
      const before: Body = { actions: [], reactions: [], notes: [] };
      try {
        await set(env, true, before);
      } catch (e) {
        return { id: this.id, name: this.name, kind: this.kind, actions: before.actions, flows: null, reactions: [], ok: false, notes: before.notes, error: (e as Error).message };
      }
      const rows = [await s.run.call({ ...s, id: this.id, name: this.name }, env, load)].flat();
      const after: Body = { actions: [], reactions: [], notes: [] };
      try {
        await set(env, false, after);
      } catch (e) {
        progress(env, `  ${label} off again after ${this.id}: ${(e as Error).message}`);
      }
      return rows.map((r) => ({ ...r, actions: [...before.actions, ...r.actions, ...after.actions], notes: [...before.notes, ...r.notes, ...after.notes] }));
    },
  };
}

const withBfd = (s: Scenario): Scenario => withSetting(s, 'bfd', 'BFD', setBfd);
const withSync = (s: Scenario): Scenario => withSetting(s, 'sync', 'connection sync', setConnectionSync);

/**
 * An L4 agent killed in the middle of an IPVS apply (an L7 node drained): its
 * speaker dies with it, so the node also leaves the routers while the table
 * changes: the flows it held that the drain moved meet the others without
 * an entry, as in sync.drain-move; hence the row again with sync on.
 */
const AGENT_IPVS = fault('fault.agent-ipvs', 'L4 agent killed during an IPVS apply, then started again', async (env, b) => {
  const node = l4Names(env)[1] ?? 'l4-2';
  const l7 = names(nodesWithRole(env.site, 'l7'))[2] ?? 'l7-3';
  await agentKilledDuring(env, node, b, async () => {
    b.actionAt = await editMaintenance(env, l7, 'agent-check', 'echo down > /etc/lb/agent-check', b);
    return b.actionAt;
  }, l4Names(env).filter((n) => n !== node), 'IPVS: applied', async () => {
    const ms = await ipvsReaction(env, l7, b.actionAt ?? Date.now(), noWeight, 120000);
    b.reactions.push({ what: `${l7} weight 0 on every L4 node, ${node} included (after its restart)`, ms, how: 'agent logs and ipvsadm -Ln' });
    await sh(env, l7, 'echo up > /etc/lb/agent-check', b.actions);
  });
});

export const FAULTS: readonly Scenario[] = [
  fault('fault.freeze', 'L4 node frozen (SIGSTOP of its agent and BGP speaker), then thawed', (env, b) => freezeL4(env, b)),
  withBfd(fault('fault.freeze', 'L4 node frozen (SIGSTOP of its agent, BGP speaker and BFD), then thawed', (env, b) => freezeL4(env, b, BFD_DETECTS_MS))),
  fault('fault.link', 'link between an L4 node and its switch cut, then back', async (env, b) => {
    const node = lastL4(env);
    const port = env.topology.ports.find((p) => p.ns === `${env.prefix}${node}` || p.ns === node);
    if (!port) throw new Error(`no switch port for ${node}`);
    await outAndBack(env, node, b, async () => {
      await sh(env, 'sw', `ip link set ${port.switchDev} down`, b.actions);
    }, async () => {
      await sh(env, 'sw', `ip link set ${port.switchDev} up`, b.actions);
    }, 'link cut');
  }, () => true),
  fault('fault.netem', 'L4 node with 30 % packet loss and 200 ms delay on its link (netem)', async (env, b) => {
    const node = lastL4(env);
    await nothingMoves(env, b, async () => {
      await sh(env, node, 'tc qdisc add dev eth0 root netem loss 30% delay 200ms', b.actions);
    }, async () => {
      await sh(env, node, 'tc qdisc del dev eth0 root', b.actions);
    }, routesWhole(env), `netem on ${node}`);
  }, () => true),
  fault('fault.haproxy-hung', 'HAProxy hung (SIGSTOP) rather than dead, then resumed', async (env, b) => {
    const node = names(nodesWithRole(env.site, 'l7'))[1] ?? 'l7-2';
    const haproxy = processes(haproxyOf(env, node));
    if (haproxy.length === 0) throw new Error(`no HAProxy process on ${node}`);
    b.actionAt = Date.now();
    b.actions.push(`SIGSTOP ${node}'s HAProxy (${haproxy.length} processes)`);
    signal(haproxy, 'SIGSTOP');
    const out = await ipvsReaction(env, node, b.actionAt, noWeight, 60000);
    b.reactions.push({ what: `${node} weight 0 on every L4 node (its checks time out)`, ms: out, how: 'each L4 node\'s agent log: its IPVS write, confirmed by ipvsadm -Ln' });
    await sleep(Math.max(0, FAULT_HOLD_MS - (Date.now() - b.actionAt)));
    const back = Date.now();
    b.actions.push(`SIGCONT ${node}'s HAProxy`);
    signal(haproxy, 'SIGCONT');
    const ms = await ipvsReaction(env, node, back, allWeighted, 60000);
    b.reactions.push({ what: `${node} weighted again on every L4 node after SIGCONT`, ms, how: 'as above' });
    b.notes.push(`the flows ${node} held stall for ${FAULT_HOLD_MS / 1000} s; the flows client calls one broken after 15 s without a byte`);
  }, () => true),
  fault('fault.reflector', 'route reflector\'s gobgpd killed (its agent starts it again)', async (env, b) => {
    const rr = names(nodesWithRole(env.site, 'reflector'))[0];
    if (rr === undefined) throw new Error('the site has no route reflector');
    const before = daemonsOf(env, rr, ['gobgpd']);
    if (before.length === 0) throw new Error(`no gobgpd for ${rr}`);
    await nothingMoves(env, b, async () => {
      b.actions.push(`kill -9 ${rr}'s gobgpd`);
      signal(before, 'SIGKILL');
    }, undefined, async () => daemonsOf(env, rr, ['gobgpd']).some((p) => !before.some((o) => o.pid === p.pid)) && (await routesWhole(env)()), `${rr}'s gobgpd killed`);
  }),
  fault('fault.router-bird', 'BIRD on a router killed (its agent starts it again, graceful restart)', async (env, b) => {
    const rt = names(nodesWithRole(env.site, 'router'))[0] ?? 'rt-1';
    const before = daemonsOf(env, rt, ['bird']);
    if (before.length === 0) throw new Error(`no BIRD for ${rt}`);
    await nothingMoves(env, b, async () => {
      b.actions.push(`kill -9 ${rt}'s BIRD`);
      signal(before, 'SIGKILL');
    }, undefined, async () => daemonsOf(env, rt, ['bird']).some((p) => !before.some((o) => o.pid === p.pid)) && (await routesWhole(env)()), `${rt}'s BIRD killed`);
  }),
  AGENT_IPVS,
  withSync(AGENT_IPVS),
  fault('fault.agent-speaker', 'L4 agent killed during a speaker change (its drain), then started again', async (env, b) => {
    const node = l4Names(env)[1] ?? 'l4-2';
    const l4 = l4Names(env);
    const mon = routeMonitors(env);
    try {
      await agentKilledDuring(env, node, b, async () => {
        b.actionAt = await editMaintenance(env, node, 'disable', 'touch /etc/lb/disable', b);
        return b.actionAt;
      }, [node], 'BGP: announce', async () => {
        await routeReaction(env, mon, b.actionAt ?? Date.now(), l4.filter((n) => n !== node), `${node} withdrawn (its restarted agent finds the disable file)`, undefined, b, 120000);
        const back = await editMaintenance(env, node, 'disable', 'rm -f /etc/lb/disable', b);
        await routeReaction(env, mon, back, l4, `${node} back`, undefined, b, 120000);
      });
    } finally {
      mon.stop();
    }
  }),
  fault('fault.disk-full', 'disk full on an L7 node during a reload (a site edit), then space again', async (env, b) => {
    const node = names(nodesWithRole(env.site, 'l7'))[2] ?? 'l7-3';
    await diskFullReload(env, node, b);
  }),
  fault('fault.garbage-site', 'site file replaced by garbage on one L4 node, then put back', async (env, b) => {
    const node = l4Names(env)[0] ?? 'l4-1';
    const file = nodeSiteFile(env.stateDir, node);
    const good = readNodeSite(env, node);
    await nothingMoves(env, b, async () => {
      b.actions.push(`${node}: site file replaced by 4 KB of random bytes`);
      writeFileSync(`${file}.new`, Buffer.from(Array.from({ length: 4096 }, () => Math.floor(Math.random() * 256))));
      renameSync(`${file}.new`, file);
      const refusal = (): LoggedLine | undefined => agentLines(env, node, b.actionAt ?? 0).find((l) => /refus|invalid|cannot/i.test(l.msg));
      const refused = await firstHeld(30000, () => Promise.resolve(refusal() !== undefined), 500);
      b.notes.push(refused !== null ? `${node}'s agent logged the refusal ${((refused - (b.actionAt ?? 0)) / 1000).toFixed(1)} s after the write: ${refusal()?.msg.slice(0, 160) ?? ''}` : `${node}'s agent logged no refusal within 30 s`);
      if (processes(agentOf(node)).length === 0) throw new Error(`${node}'s agent exited on a garbage site file`);
    }, async () => {
      b.actions.push(`${node}: the good site file back`);
      writeNodeSite(env, node, good);
    }, routesWhole(env), `garbage site file on ${node}`);
  }),
];

/**
 * Kills `node`'s agent with SIGKILL in the middle of the site's reaction to
 * `start`: as soon as `marker` shows in the log of one of `watch` (another L4
 * node applying the same change, or the node itself beginning it); starts it
 * again with the same command line; then `after`.
 */
async function agentKilledDuring(env: LabEnv, node: string, b: Body, start: () => Promise<number>, watch: readonly string[], marker: string, after: () => Promise<void>): Promise<void> {
  const agent = processes(agentOf(node));
  if (agent.length === 0) throw new Error(`no agent process for ${node}`);
  const from = await start();
  const seen = await firstHeld(30000, () => Promise.resolve(watch.some((w) => agentLines(env, w, from).some((l) => l.msg.startsWith(marker)))), 20);
  signal(agent, 'SIGKILL');
  const killedAt = Date.now();
  b.actions.push(`kill -9 ${node}'s agent ${((killedAt - from) / 1000).toFixed(2)} s after the change (${seen === null ? `no "${marker}" in ${watch.join(', ')}'s log within 30 s` : `once ${watch.join(' or ')} logged "${marker}"`})`);
  const own = agentLines(env, node, from).filter((l) => l.msg.startsWith(marker));
  b.notes.push(`${node}'s agent at the kill: ${own.length === 0 ? `had not logged "${marker}" for this change` : `had logged "${own[0]?.msg.slice(0, 120) ?? ''}"`}`);
  await gone(agent, 10000);
  await sleep(2000);
  restart(env, node, agent[0]?.argv ?? [], `${env.logDir}/${node}.agent.log`);
  progress(env, `  ${node}'s agent started again`);
  await after();
}

/**
 * A small filesystem of its own over the L7 node's config folder, filled to
 * the last block, then a site edit that changes its HAProxy config: the
 * agent cannot write the new config and must keep the running HAProxy; once
 * space is back, the edit applies.
 */
async function diskFullReload(env: LabEnv, node: string, b: Body): Promise<void> {
  const n = nodeNamed(env.site, node);
  if (!n) throw new Error(`no lab node ${node}`);
  const config = haproxyPaths(n).config;
  const dir = dirname(config);
  const keep = `/tmp/tierlb-disk-full-${node}`;
  await sh(env, node, `rm -rf ${keep} && cp -a ${dir} ${keep} && mount -t tmpfs -o size=2m tierlb-full ${dir} && cp -a ${keep}/. ${dir}/ && (dd if=/dev/zero of=${dir}/fill bs=4k 2>/dev/null || true) && sync`, b.actions);
  const good = readNodeSite(env, node);
  const service = env.site.services[0]?.name ?? 'web';
  const edited = withServiceSetting(good, service, ['l7', 'timeouts', 'client'], '61s');
  b.actionAt = Date.now();
  b.actions.push(`${node}: site edit (${service}'s client timeout 61 s) with its config folder full`);
  writeNodeSite(env, node, edited);
  const full = (): LoggedLine | undefined => agentLines(env, node, b.actionAt ?? 0).find((l) => /ENOSPC/.test(JSON.stringify(l.fields)));
  const failed = await firstHeld(30000, () => Promise.resolve(full() !== undefined), 500);
  const line = full();
  b.notes.push(failed !== null && line ? `${node}'s agent met the full disk ${((failed - (b.actionAt ?? 0)) / 1000).toFixed(1)} s after the edit: "${line.msg}" (ENOSPC), and tried again while it lasted` : `${node}'s agent logged no ENOSPC within 30 s`);
  const haproxy = processes(haproxyOf(env, node));
  b.notes.push(`${node}'s HAProxy while the disk was full: ${haproxy.length} process(es) running`);
  await sleep(5000);
  const freed = Date.now();
  await sh(env, node, `rm -f ${dir}/fill`, b.actions);
  const applied = await firstHeld(120000, async () => (await inNode(env, node, 'grep', ['-qE', 'timeout client (61s|61000ms)', config])).code === 0, 500);
  b.reactions.push({ what: `${node}: the edit applied once space was back`, ms: applied === null ? null : applied - freed, how: `${config} names the new timeout (polled every 0.5 s)` });
  writeNodeSite(env, node, good);
}
