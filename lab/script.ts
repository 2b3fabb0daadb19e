// The lab's setup as one shell script, generated from the topology: it runs
// as init's child inside the user-mode-linux kernel, or as root on a host
// whose kernel has IPVS and IPIP. Pure text; `ip -batch` keeps it to a few
// processes per namespace, which counts on UML's single CPU.
import type { LabTopology, RouteSpec } from './topology.js';

export interface ScriptOptions {
  /** Prefix of every namespace name (empty inside the guest, where nothing else runs). */
  readonly prefix: string;
  /** Folder of the lab's own state (mount namespaces, overlay layers, pids); on a tmpfs. */
  readonly stateDir: string;
  /** Folder for logs and progress; the host reads it. */
  readonly logDir: string;
  readonly node: string;
  /** The bundled `tierlb` command line. */
  readonly tierlb: string;
  /** The backends' HTTP server (lab/server.mjs). */
  readonly server: string;
  readonly siteFile: string;
}

/** Inside every node: its own copy of the site file, in a folder of its own so a rename into it is seen through the bind mount. */
export const NODE_SITE_DIR = '/etc/tierlb-site';
export const NODE_SITE_FILE = `${NODE_SITE_DIR}/site.yaml`;

/** The same file as the lab sees it from outside: write a new one next to it and rename, like config management. */
export const nodeSiteFile = (stateDir: string, node: string): string => `${stateDir}/nodes/${node}/site/site.yaml`;

const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Shell functions every lab script shares: progress lines, entering a node. */
export function preamble(o: ScriptOptions): string {
  return `P=${q(o.prefix)}
ST=${q(o.stateDir)}
LOG=${q(o.logDir)}
# Seconds since the lab kernel's boot, or since the start of a lab on the host (lab/host/init.ts sets TIERLB_LAB_T0).
progress() { echo "$(awk -v t0="\${TIERLB_LAB_T0:-0}" '{ printf "%.2f", $1 - t0 }' /proc/uptime) $*" >> "$LOG/progress"; }
in_node() {
  n=$1; shift
  if [ -e "$ST/mnt/$n" ]; then nsenter --net=/run/netns/$P$n --mount=$ST/mnt/$n -- "$@"; else nsenter --net=/run/netns/$P$n -- "$@"; fi
}
`;
}

export function setupScript(t: LabTopology, o: ScriptOptions): string {
  const ns = (name: string): string => `${o.prefix}${name}`;
  const parts: string[] = [preamble(o)];
  parts.push(`mkdir -p /run/netns "$ST/mnt" "$ST/up" "$ST/pids" "$LOG"
mountpoint -q "$ST/mnt" || { mount --bind "$ST/mnt" "$ST/mnt"; mount --make-private "$ST/mnt"; }
`);
  parts.push(batch('', t.namespaces.map((n) => `netns add ${ns(n)}`)));
  const bridges = [...new Set(t.ports.map((p) => p.bridge))];
  parts.push(batch(ns('sw'), [
    'link set lo up',
    ...bridges.flatMap((b) => [`link add ${b} type bridge forward_delay 0`, `link set ${b} up`]),
    ...t.ports.flatMap((p) => [`link add ${p.switchDev} type veth peer name ${p.dev} netns ${ns(p.ns)}`, `link set ${p.switchDev} master ${p.bridge} up`]),
  ]));
  for (const p of t.pairs) parts.push(batch(ns(p.a.ns), [`link add ${p.a.dev} type veth peer name ${p.b.dev} netns ${ns(p.b.ns)}`]));
  for (const name of t.namespaces.filter((n) => n !== 'sw')) parts.push(batch(ns(name), nsLines(t, name)));
  for (const name of t.namespaces) {
    const sysctls = t.sysctls.filter((s) => s.ns === name);
    if (sysctls.length > 0) parts.push(`nsenter --net=/run/netns/${ns(name)} sysctl -q ${sysctls.map((s) => `-w ${s.key}=${s.value}`).join(' ')}\n`);
  }
  parts.push(`progress "namespaces up: ${t.namespaces.length} namespaces, ${t.segments.length} segments, ${t.clients.ipv4.length + t.clients.ipv6.length} user addresses"\n`);
  parts.push(mountNamespaces(t, o));
  return parts.join('');
}

/**
 * Each node in its own mount namespace: private /etc and /var/lib (overlays
 * with a tmpfs upper layer), and /run, /etc/lb and its own copy of the site
 * file (NODE_SITE_DIR) bound from the lab's state folder, so the lab can
 * reach every node's sockets, maintenance files and site file from outside
 * (and give one node another site); the agent's daemon logs (stateDir/logs)
 * land in the log folder; and a bpffs of its own at /sys/fs/bpf. The
 * mounts of a node are one `mount -a` of an fstab of its own: every process
 * start is expensive in the lab kernel, and a mount or mkdir per line made
 * this step cost 10 processes per node.
 */
function mountNamespaces(t: LabTopology, o: ScriptOptions): string {
  const nodes = t.nodes.map((n) => n.name);
  const dirs = nodes.flatMap((n) => ['etc', 'etc.work', 'varlib', 'varlib.work', 'run', 'etc-lb', 'site'].map((d) => `$ST/nodes/${n}/${d}`).concat(`"$LOG/${n}"`));
  const fstabs = t.nodes.map((n) => `printf '%s\\n' ${nodeFstab(n, o).map((l) => q(l)).join(' ')} > $ST/nodes/${n.name}/fstab`);
  const perNode = t.nodes.map((n) => `  ${n.name}) c=${n.paths.configDir} r=${n.paths.runDir} ;;`).join('\n');
  return `mkdir -p ${dirs.join(' ')}
touch ${nodes.map((n) => `$ST/mnt/${n}`).join(' ')}
tee ${nodes.map((n) => nodeSiteFile('$ST', n)).join(' ')} < ${q(o.siteFile)} > /dev/null
${fstabs.join('\n')}
for n in ${nodes.join(' ')}; do
  case $n in
${perNode}
  esac
  nsenter --net=/run/netns/$P$n unshare --mount=$ST/mnt/$n --propagation private sh -ec "mount -a -T $ST/nodes/$n/fstab; mkdir -p $c $r /var/lib/gdnsd" &
done
wait
progress "mount namespaces up: private /etc, /etc/lb, /run, /var/lib, /sys/fs/bpf and ${NODE_SITE_FILE} per node"
`;
}

/** fstab(5) lines of a node's mounts, in order: the overlays first, then the binds into them (their mount points made by mount). */
export function nodeFstab(n: LabTopology['nodes'][number], o: Pick<ScriptOptions, 'stateDir' | 'logDir'>): string[] {
  // fstab separates fields with blanks: a blank inside a path is written \040.
  const f = (path: string): string => path.replace(/\\/g, '\\134').replace(/\s/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  const d = `${o.stateDir}/nodes/${n.name}`;
  return [
    `lab /etc overlay lowerdir=/etc,upperdir=${f(d)}/etc,workdir=${f(d)}/etc.work 0 0`,
    `lab /var/lib overlay lowerdir=/var/lib,upperdir=${f(d)}/varlib,workdir=${f(d)}/varlib.work 0 0`,
    `${f(d)}/etc-lb /etc/lb none bind,X-mount.mkdir 0 0`,
    `${f(d)}/site ${NODE_SITE_DIR} none bind,X-mount.mkdir 0 0`,
    `${f(`${o.logDir}/${n.name}`)} ${f(n.paths.stateDir)}/logs none bind,X-mount.mkdir 0 0`,
    `${f(d)}/run /run none bind 0 0`,
    // A bpffs of its own: maps pinned by name (the tc loader's convention) are one node's, not every node's.
    'bpf /sys/fs/bpf bpf rw 0 0',
  ];
}

function nsLines(t: LabTopology, name: string): string[] {
  const devs = [...new Set([...t.ports.filter((p) => p.ns === name).map((p) => p.dev),
    ...t.pairs.flatMap((p) => [p.a, p.b]).filter((e) => e.ns === name).map((e) => e.dev)])];
  return [
    'link set lo up',
    ...devs.map((d) => `link set ${d} up`),
    ...t.addresses.filter((a) => a.ns === name).map((a) => `address add ${a.cidr} dev ${a.dev}${a.cidr.includes(':') ? ' nodad' : ''}`),
    ...t.routes.filter((r) => r.ns === name).map(routeLine),
  ];
}

export function routeLine(r: RouteSpec): string {
  if (r.via.length === 1) return `route add ${r.to} via ${r.via[0]} dev ${r.dev}`;
  return `route add ${r.to} ${r.via.map((v) => `nexthop via ${v} dev ${r.dev}`).join(' ')}`;
}

function batch(ns: string, lines: readonly string[]): string {
  return `ip ${ns ? `-n ${ns} ` : ''}-batch - <<'EOF'\n${lines.join('\n')}\nEOF\n`;
}

/**
 * The site's etcd members, before the agents (an agent that finds none yet
 * retries): data on the lab's tmpfs, and timings for a kernel whose one CPU
 * every node shares (etcd's defaults, 100 ms heartbeats and a 1 s election
 * timeout, would elect a new leader whenever the agents are busy).
 */
export function etcdLines(t: LabTopology): string[] {
  if (t.etcd.length === 0) return [];
  return [`mkdir -p ${t.etcd.map((m) => `"$ST/etcd/${m.name}"`).join(' ')}`, ...t.etcd.flatMap((m) => [
    `nsenter --net=/run/netns/\${P}${m.ns} ${etcdArgs(t, m, `"$ST/etcd/${m.name}"`).join(' ')} >> "$LOG/${m.name}.log" 2>&1 &`,
    `echo $! > "$ST/pids/${m.name}"`,
  ]), `progress "started ${t.etcd.length} etcd member(s): ${t.etcd.map((m) => m.clientUrl).join(' ')}"`];
}

/** One member's command line, its data in `dataDir` (under the script's "$ST", or the lab's state folder when the checks start it again). */
export function etcdArgs(t: LabTopology, m: LabTopology['etcd'][number], dataDir: string): string[] {
  const cluster = t.etcd.map((x) => `${x.name}=${x.peerUrl}`).join(',');
  return ['etcd', '--name', m.name, '--data-dir', dataDir, '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
    '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl, '--initial-cluster', cluster, '--initial-cluster-state', 'new',
    '--heartbeat-interval', '500', '--election-timeout', '5000', '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn'];
}

/** Starts every node's agent on its own copy of the site file, and the HTTP server of every backend; one log file each. */
export function startScript(t: LabTopology, o: ScriptOptions): string {
  const lines = [preamble(o), 'cd /', ...etcdLines(t)];
  for (const n of t.nodes) {
    if (n.httpPorts.length > 0) {
      lines.push(`in_node ${n.name} ${q(o.node)} ${q(o.server)} --name ${n.name} --ports ${n.httpPorts.join(',')} >> "$LOG/${n.name}.http.log" 2>&1 &`);
      lines.push(`echo $! > "$ST/pids/${n.name}.http"`);
    }
    const paths = `--run-dir ${q(n.paths.runDir)} --state-dir ${q(n.paths.stateDir)} --config-dir ${q(n.paths.configDir)}`;
    lines.push(`in_node ${n.name} ${q(o.node)} ${q(o.tierlb)} agent --config ${NODE_SITE_FILE} --node ${n.name} ${paths} >> "$LOG/${n.name}.agent.log" 2>&1 &`);
    lines.push(`echo $! > "$ST/pids/${n.name}.agent"`);
  }
  lines.push(`progress "started ${t.nodes.length} agents and ${t.nodes.filter((n) => n.httpPorts.length > 0).length} HTTP servers; logs in $LOG"`);
  return `${lines.join('\n')}\n`;
}
