// The L4 agent's lab inside the user-mode-linux kernel (the host kernel has
// no IPVS): one bridge, and a network namespace per node — a router running
// plain BIRD with its rendered bird.conf, the L4 node running the real
// `tierlb agent`, two L7 nodes running real HAProxy with their rendered
// haproxy.cfg (the L7 agent is not wired yet: a stub answers the enabler's
// agent-check from a file, as the L7 agent will), and a backend HTTP server.
// The guest script measures and writes its results to $SHARE/results.env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { UmlRun } from '../../lab/uml/run.js';
import { overrideNode, type Site } from '../../site/index.js';
import { renderEcmp } from '../../tiers/ecmp/index.js';
import { renderL7 } from '../../tiers/l7/index.js';
import { nodeOf, REPO, siteOf } from './site.js';

export const VIP = '198.51.100.1';
export const GUEST_NODES = '/tmp/n';
export const NODES = { 'rt-1': '10.0.0.1', 'l4-1': '10.0.0.21', 'l7-1': '10.0.0.31', 'l7-2': '10.0.0.32', 'srv-1': '10.0.0.41' } as const;

export function labSiteValue(speaker: 'gobgp' | 'bird'): Record<string, unknown> {
  return {
    site: 'umll4',
    bgp: {
      asn: 64512, speaker, holdTime: '3s', keepalive: '1s', drainTime: '2s',
      bfd: { enabled: false, interval: '100ms', multiplier: 3 },
      communities: { gracefulShutdown: '65535:0', vip: ['64512:100'] },
    },
    services: [{
      name: 'web', vips: [VIP], ports: [80], pool: 'web',
      l4: { scheduler: 'mh', flags: ['mh-fallback'], quorum: 1 },
      l7: { mode: 'http', balance: 'roundrobin', check: { path: '/healthz', expectStatus: 200, interval: '1s', timeout: '1s', rise: 2, fall: 2 } },
    }],
    pools: [{ name: 'web', servers: [{ name: 'srv-1', address: NODES['srv-1'], port: 8080, node: 'srv-1' }] }],
    nodes: [
      { name: 'rt-1', role: 'router', addresses: { ipv4: NODES['rt-1'] }, peers: ['l4-1'] },
      { name: 'l4-1', role: 'l4', addresses: { ipv4: NODES['l4-1'] }, peers: ['rt-1'] },
      { name: 'l7-1', role: 'l7', addresses: { ipv4: NODES['l7-1'] } },
      { name: 'l7-2', role: 'l7', addresses: { ipv4: NODES['l7-2'] } },
      { name: 'srv-1', role: 'backend', addresses: { ipv4: NODES['srv-1'] } },
    ],
    dns: { zones: [] },
  };
}

/** Paths inside the guest, as the agent's overrides set them, so rendered files name them. */
function guestPaths(name: string): { runDir: string; stateDir: string; configDir: string; disableFile: string; agentCheckFile: string } {
  const d = `${GUEST_NODES}/${name}`;
  return { runDir: `${d}/run`, stateDir: `${d}/state`, configDir: `${d}/conf`, disableFile: `${d}/disable`, agentCheckFile: `${d}/agent-check` };
}

function withPaths(site: Site, name: string): Site {
  const r = overrideNode(site, name, guestPaths(name));
  if (!r.ok) throw new Error(`override ${name}: ${r.reason}`);
  return r.value;
}

function fileOf(files: readonly { name: string; content: string }[], name: string): string {
  const f = files.find((x) => x.name === name);
  if (!f) throw new Error(`expected a rendered ${name}`);
  return f.content;
}

/** Answers agent-check from a file (the enabler of an L7 node, the backend), or HTTP 200 (the backend server). */
const STUBS = `
import { createServer as tcp } from 'node:net';
import { createServer as http } from 'node:http';
import { readFileSync } from 'node:fs';
const [mode, host, port, file] = process.argv.slice(2);
if (mode === 'agent-check') {
  tcp((s) => { s.on('error', () => {}); let t = 'up'; try { t = readFileSync(file, 'utf8').trim() || 'up'; } catch {} s.end(t + '\\n'); }).listen(Number(port), host);
} else {
  http((q, r) => { r.writeHead(200, { 'content-type': 'text/plain' }); r.end('hello from ' + host + '\\n'); }).listen(Number(port), host);
}
`;

export function labFiles(speaker: 'gobgp' | 'bird'): Record<string, string> {
  const value = labSiteValue(speaker);
  const site = siteOf(value);
  const rt = withPaths(site, 'rt-1');
  const files: Record<string, string> = {
    'site.yaml': stringify(value),
    'stubs.mjs': STUBS,
    'rt-1.bird.conf': fileOf(renderEcmp(rt, nodeOf(rt, 'rt-1')).files, 'bird.conf'),
  };
  for (const l7 of ['l7-1', 'l7-2']) {
    const s = withPaths(site, l7);
    files[`${l7}.haproxy.cfg`] = fileOf(renderL7(s, nodeOf(s, l7)).files, 'haproxy.cfg');
  }
  return files;
}

const p = guestPaths;

/** The nodes, daemons and shell helpers every L4 lab script starts from; start_agent runs the agent as $AGENT. */
function labSetup(tierlb: string): string {
  const l4 = p('l4-1');
  const opts = { tierlb };
  return `
export TMPDIR=/tmp HOME=/tmp
R=$SHARE/results.env
: > $R
mount -t tmpfs run /run
mkdir -p /run/netns
cd ${REPO}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
upto() { lim=$1; shift; s0=$(ms); while ! "$@" >/dev/null 2>&1; do [ $(( $(ms) - s0 )) -gt $lim ] && return 1; sleep 0.3; done; return 0; }
res() { echo "$1=$2" >> $R; }
res guest_start_ms $(ms)
ip link set lo up
ip link add br0 type bridge && ip link set br0 up
i=0
for pair in ${Object.entries(NODES).map(([n, a]) => `${n}:${a}`).join(' ')}; do
  name=\${pair%%:*}; addr=\${pair#*:}
  ip netns add $name
  ip -n $name link set lo up
  ip link add v$i type veth peer name eth0 netns $name
  ip link set v$i master br0 up
  ip -n $name link set eth0 up
  ip -n $name address add $addr/24 dev eth0
  mkdir -p ${GUEST_NODES}/$name/run ${GUEST_NODES}/$name/state ${GUEST_NODES}/$name/conf
  i=$((i+1))
done
# Backend: HTTP and agent-check.
ip netns exec srv-1 node $SHARE/stubs.mjs http ${NODES['srv-1']} 8080 > $SHARE/srv-1.log 2>&1 &
ip netns exec srv-1 node $SHARE/stubs.mjs agent-check ${NODES['srv-1']} 9300 ${p('srv-1').agentCheckFile} >> $SHARE/srv-1.log 2>&1 &
# L7 nodes: the VIP on lo (HAProxy binds it), the enabler's agent-check, HAProxy.
for n in l7-1 l7-2; do
  ip -n $n address add ${VIP}/32 dev lo
  ip netns exec $n node $SHARE/stubs.mjs agent-check 127.0.0.1 9300 ${GUEST_NODES}/$n/agent-check > $SHARE/$n.stub.log 2>&1 &
  ip netns exec $n haproxy -W -f $SHARE/$n.haproxy.cfg > $SHARE/$n.haproxy.log 2>&1 &
done
# Router: plain BIRD with its rendered config.
ip netns exec rt-1 bird -c $SHARE/rt-1.bird.conf -s ${p('rt-1').runDir}/bird.ctl -P ${p('rt-1').runDir}/bird.pid
# Every change of the router's kernel routes, timestamped by the kernel's notifications: the
# figures come from here, not from the polling below, which only paces the script.
ip -n rt-1 -ts monitor route > $SHARE/routes.log 2>&1 &
birdc_rt() { ip netns exec rt-1 birdc -s ${p('rt-1').runDir}/bird.ctl "$@"; }
route_via() { ip -n rt-1 route show ${VIP}/32 | grep -q 'via ${NODES['l4-1']}'; }
no_route() { ! route_via; }
gs_route() { birdc_rt show route all ${VIP}/32 | grep -q '(65535,0)'; }
ipvs_full() { [ "$(ip netns exec l4-1 ipvsadm -Ln | grep -c Tunnel)" = 2 ]; }
status_up() { ip netns exec l4-1 curl -sf http://127.0.0.1:9400/status; }
l72_zero() { ip netns exec l4-1 ipvsadm -Ln | grep -Eq '${NODES['l7-2']}:80 +Tunnel +0 '; }
# Until the route is gone (at most 20 s): when the graceful-shutdown community was first seen, and when the route went.
# Polls slowly: the guest has one CPU, and the precise times come from the route notifications.
drain_watch() {
  s0=$(ms); gs=
  while route_via && [ $(( $(ms) - s0 )) -lt 20000 ]; do
    if [ -z "$gs" ] && gs_route; then gs=$(( $(ms) - $2 )); fi
    sleep 0.3
  done
  res $1_gs_ms \${gs:-never}
  no_route && res $1_withdraw_ms $(( $(ms) - $2 )) || res $1_withdraw_ms timeout
}
start_agent() {
  TIERLB_LOG_LEVEL=debug ip netns exec l4-1 node ${opts.tierlb} agent --config $SHARE/site.yaml --node l4-1 \\
    --disable-file ${l4.disableFile} --agent-check-file ${l4.agentCheckFile} --run-dir ${l4.runDir} \\
    --state-dir ${l4.stateDir} --config-dir ${l4.configDir} --listen 127.0.0.1:9400 >> $SHARE/agent.log 2>&1 &
  AGENT=$!
}

`;
}

/**
 * Every wait is bounded (`upto MS CMD`); a step that times out is written as
 * such and the script goes on, so the host sees every figure it could get.
 */
export function labScript(opts: { readonly tierlb: string; readonly crash: boolean }): string {
  const l4 = p('l4-1');
  return `${labSetup(opts.tierlb)}# 1. Agent start; the route appears only once IPVS holds the table.
t=$(ms); start_agent
upto 40000 status_up && res agent_start_ms $(( $(ms) - t )) || res agent_start_ms timeout
t_ipvs=; t_route=; s0=$(ms)
while [ $(( $(ms) - s0 )) -lt 30000 ]; do
  if [ -z "$t_ipvs" ] && ipvs_full; then t_ipvs=$(ms); fi
  if route_via; then
    t_route=$(ms)
    ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-at-route.txt 2>&1 || true
    break
  fi
  sleep 0.2
done
res ipvs_full_at \${t_ipvs:-never}
res route_at \${t_route:-never}
res route_after_start_ms $(( \${t_route:-0} - t ))
ip -n rt-1 route show ${VIP}/32 > $SHARE/route.txt || true
birdc_rt show route all ${VIP}/32 > $SHARE/bird-route.txt 2>&1 || true

# 3. tierlb status inside the guest.
ip netns exec l4-1 node ${opts.tierlb} status --url http://127.0.0.1:9400 > $SHARE/status.txt 2>&1 || true

# 2. Disable: graceful-shutdown community, then withdraw; enable: back.
t=$(ms); res touch_disable_at $t; touch ${l4.disableFile}
drain_watch disable $t
t=$(ms); res rm_disable_at $t; rm -f ${l4.disableFile}
upto 20000 route_via && res enable_route_ms $(( $(ms) - t )) || res enable_route_ms timeout
birdc_rt show route all ${VIP}/32 > $SHARE/bird-route-back.txt 2>&1 || true

# 4. The enabler of l7-2 down: its monitor fails, its weight goes to 0, it stays in the table.
t=$(ms); echo down > ${GUEST_NODES}/l7-2/agent-check
upto 20000 l72_zero && res l7_down_weight0_ms $(( $(ms) - t )) || res l7_down_weight0_ms timeout
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-l7-down.txt 2>&1 || true
ip netns exec l4-1 node ${opts.tierlb} status --url http://127.0.0.1:9400 > $SHARE/status-l7-down.txt 2>&1 || true

# 5. Planned stop: graceful shutdown, withdraw, IPVS stays.
t=$(ms); res sigterm_at $t; kill -TERM $AGENT
drain_watch stop $t
i=0; while kill -0 $AGENT 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -0 $AGENT 2>/dev/null && res agent_exited no || res agent_exited yes
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-after-stop.txt 2>&1 || true

${opts.crash ? `# 6. Crash: SIGKILL; the speaker dies with the agent (pdeathsig), the router withdraws.
echo up > ${GUEST_NODES}/l7-2/agent-check
t=$(ms); start_agent
upto 40000 route_via && res restart_route_ms $(( $(ms) - t )) || res restart_route_ms timeout
t=$(ms); res sigkill_at $t; kill -KILL $AGENT
upto 20000 no_route && res crash_withdraw_ms $(( $(ms) - t )) || res crash_withdraw_ms timeout
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-after-crash.txt 2>&1 || true
` : ''}res done 1
`;
}

/**
 * The bundle again, two levels deeper and with native/ beside it, so the
 * netlink addon loader (which looks three folders up from its module for
 * native/build/Release) finds the built addon: the agent then runs with the
 * netlink IPVS port, as on a node where `npm run build:native` ran.
 */
export async function withNativeAddon(bundleDir: string, main: string): Promise<string> {
  const { copyFile, mkdir, symlink } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const deeper = join(bundleDir, 'l4', 'agent', 'bin');
  await mkdir(deeper, { recursive: true });
  await copyFile(main, join(deeper, 'tierlb.mjs'));
  await symlink(join(REPO, 'native'), join(bundleDir, 'native'));
  return join(deeper, 'tierlb.mjs');
}

/**
 * Drift and its repair: the agent announces with a verified table, then a
 * destination is deleted by hand (`ipvsadm -d`) and a weight edited by hand
 * (`ipvsadm -e`); the script times how long until the kernel holds the
 * planned table again, and keeps status, /metrics and the table after each.
 */
export function labDriftScript(opts: { readonly tierlb: string }): string {
  const vs = `${VIP}:80`;
  return `${labSetup(opts.tierlb)}t=$(ms); start_agent
upto 40000 status_up && res agent_start_ms $(( $(ms) - t )) || res agent_start_ms timeout
both_100() { [ "$(ip netns exec l4-1 ipvsadm -Ln | grep -Ec 'Tunnel +100 ')" = 2 ]; }
upto 40000 route_via && res route_after_start_ms $(( $(ms) - t )) || res route_after_start_ms timeout
upto 20000 both_100 && res full_weights_ms $(( $(ms) - t )) || res full_weights_ms timeout
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-before.txt 2>&1 || true
ip netns exec l4-1 curl -s http://127.0.0.1:9400/metrics > $SHARE/metrics-before.txt 2>&1 || true
has_l72() { ip netns exec l4-1 ipvsadm -Ln | grep -q '${NODES['l7-2']}:80'; }
l71_100() { ip netns exec l4-1 ipvsadm -Ln | grep -Eq '${NODES['l7-1']}:80 +Tunnel +100 '; }
# Polls at 0.1 s: the figure is the repair time, the poll adds at most that.
fast() { lim=$1; shift; s0=$(ms); while ! "$@" >/dev/null 2>&1; do [ $(( $(ms) - s0 )) -gt $lim ] && return 1; sleep 0.1; done; return 0; }

# 1. A destination deleted by hand.
t=$(ms); ip netns exec l4-1 ipvsadm -d -t ${vs} -r ${NODES['l7-2']}:80 && res deleted_at $t || res deleted_at failed
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-deleted.txt 2>&1 || true
fast 15000 has_l72 && res delete_restored_ms $(( $(ms) - t )) || res delete_restored_ms timeout
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-restored.txt 2>&1 || true
ip netns exec l4-1 node ${opts.tierlb} status --url http://127.0.0.1:9400 > $SHARE/status-drift.txt 2>&1 || true
ip netns exec l4-1 curl -s http://127.0.0.1:9400/metrics > $SHARE/metrics-delete.txt 2>&1 || true

# 2. A weight edited by hand.
t=$(ms); ip netns exec l4-1 ipvsadm -e -t ${vs} -r ${NODES['l7-1']}:80 -i -w 42 && res edited_at $t || res edited_at failed
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-edited.txt 2>&1 || true
fast 15000 l71_100 && res weight_restored_ms $(( $(ms) - t )) || res weight_restored_ms timeout
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-weight-back.txt 2>&1 || true
ip netns exec l4-1 node ${opts.tierlb} status --url http://127.0.0.1:9400 > $SHARE/status-weight.txt 2>&1 || true
ip netns exec l4-1 curl -s http://127.0.0.1:9400/metrics > $SHARE/metrics-weight.txt 2>&1 || true

# 3. The whole table lost (as after a reboot or ipvsadm -C) while the agent runs.
t=$(ms); ip netns exec l4-1 ipvsadm -C && res cleared_at $t || res cleared_at failed
fast 15000 both_100 && res clear_restored_ms $(( $(ms) - t )) || res clear_restored_ms timeout
ip netns exec l4-1 ipvsadm -Ln --nosort > $SHARE/ipvs-after-clear.txt 2>&1 || true

# 4. Kernel state undone by hand: a VIP's address, the VIP device set down, an IPVS sysctl written back.
vip_on() { ip -n l4-1 -o addr show dev tierlb0 | grep -q ' ${VIP}/32 '; }
dev_up() { ip -n l4-1 -o link show tierlb0 | grep -Eq '[<,]UP[,>]'; }
sloppy_on() { [ "$(ip netns exec l4-1 cat /proc/sys/net/ipv4/vs/sloppy_tcp)" = 1 ]; }
# All three at once: the kernel reports the address and the link, and the read of the kernel that follows puts all three back.
ta=$(ms); ip -n l4-1 addr del ${VIP}/32 dev tierlb0 && res addr_deleted_at $ta || res addr_deleted_at failed
td=$(ms); ip -n l4-1 link set tierlb0 down && res dev_down_at $td || res dev_down_at failed
ts=$(ms); ip netns exec l4-1 sh -c 'echo 0 > /proc/sys/net/ipv4/vs/sloppy_tcp' && res sysctl_at $ts || res sysctl_at failed
fast 80000 vip_on && res addr_restored_ms $(( $(ms) - ta )) || res addr_restored_ms timeout
fast 80000 dev_up && res dev_restored_ms $(( $(ms) - td )) || res dev_restored_ms timeout
fast 80000 sloppy_on && res sysctl_restored_ms $(( $(ms) - ts )) || res sysctl_restored_ms timeout
# 5. The VIP's path deleted from gobgpd by hand: the router loses its route until the agent announces it again.
t=$(ms); ip netns exec l4-1 gobgp -u 127.0.0.1 -p 50051 global rib -a ipv4 del ${VIP}/32 > $SHARE/gobgp-del.txt 2>&1 && res path_deleted_at $t || res path_deleted_at failed
fast 15000 route_via && res path_restored_ms $(( $(ms) - t )) || res path_restored_ms timeout
ip netns exec l4-1 node ${opts.tierlb} status --url http://127.0.0.1:9400 > $SHARE/status-kernel.txt 2>&1 || true
ip netns exec l4-1 curl -s http://127.0.0.1:9400/metrics > $SHARE/metrics-kernel.txt 2>&1 || true
kill -KILL $AGENT
res done 1
`;
}

/** A file the guest script wrote into the share folder, or a marker saying it did not. */
export function readShare(run: UmlRun, name: string): string {
  try {
    return readFileSync(join(run.shareDir, name), 'utf8');
  } catch {
    return `(no ${name})`;
  }
}

/** The `KEY=value` lines the guest script wrote to results.env. */
export function guestResults(run: UmlRun): Record<string, string> {
  return Object.fromEntries(readShare(run, 'results.env').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));
}
