// The guest side of systemd-uml.test.ts. The init script makes the host's
// root writable where the package and systemd write (overlays with a tmpfs
// upper layer), installs the .deb with dpkg, builds the L4 lab around the
// guest's own namespace (it is node l4-1: a router running BIRD and two L7
// nodes running HAProxy, each in a network namespace on one bridge), writes
// the site file and the units of the proof, then lets the init exec systemd.
// Under systemd, a oneshot unit runs the driver: start, reload, planned stop,
// crash, each checked with systemctl, journalctl, ipvsadm and the router's
// routes; it writes KEY=value results and files to $SHARE and powers off.
import { GUEST_NODES, NODES, VIP } from '../helpers/uml-l4-lab.js';
import { overlayMounts } from '../helpers/uml-overlays.js';

export const NODE = 'l4-1';
export const UNIT = `tierlb-agent@${NODE}.service`;
/** The VIP the reload adds to the service. */
export const NEW_VIP = '198.51.100.2';
export const PROOF_TARGET = 'tierlb-proof.target';
const PEERS = ['rt-1', 'l7-1', 'l7-2', 'srv-1'] as const;

/**
 * Units that mean nothing in a throwaway guest with no disks, terminals or
 * network of its own, or that only slow its boot: masked in the overlay.
 */
const MASKED = [
  'getty@tty1.service', 'serial-getty@ttyS0.service', 'console-getty.service', 'systemd-networkd-wait-online.service',
  'systemd-timesyncd.service', 'systemd-pstore.service', 'systemd-remount-fs.service', 'systemd-udevd.service',
  'systemd-udev-trigger.service', 'systemd-udev-settle.service', 'apt-daily.timer', 'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer', 'e2scrub_all.timer', 'fstrim.timer', 'man-db.timer', 'postgresql.service', 'e2scrub_reap.service',
  'systemd-logind.service', 'systemd-firstboot.service', 'systemd-random-seed.service', 'proc-sys-fs-binfmt_misc.automount',
];

/** Before systemd: overlays, dpkg -i, the lab's other nodes, the site file and the proof's units. */
export function setupScript(deb: string): string {
  return `
# PrivateTmp= needs a writable /var/tmp; the share under it is mounted again on top.
${overlayMounts(['/usr', '/etc', '/var/lib', '/var/cache', '/var/tmp'], '/tmp/layers')}
mount -t tmpfs log /var/log
mkdir -p $SHARE && mount -t hostfs none $SHARE -o $SHARE
mount -t tmpfs run /run
mkdir -p /run/netns
dpkg --purge tierlb > /dev/null 2>&1 || true
dpkg -i '${deb}' > $SHARE/dpkg.out 2>&1
cp $SHARE/site.yaml /etc/tierlb/site.yaml
# Generators would turn the host's fstab, gettys and init scripts into units.
G=/etc/systemd/system-generators; mkdir -p $G
for g in /lib/systemd/system-generators/*; do ln -sf /dev/null $G/$(basename $g); done
for u in ${MASKED.join(' ')}; do ln -sf /dev/null /etc/systemd/system/$u; done
cp $SHARE/${PROOF_TARGET} $SHARE/tierlb-proof.service /etc/systemd/system/
# systemd-tmpfiles would empty /tmp at boot (tmp.conf: D /tmp), and with it
# the overlays' upper layers and the lab nodes' sockets.
mkdir -p /etc/tmpfiles.d && ln -sf /dev/null /etc/tmpfiles.d/tmp.conf
export HOME=/tmp TMPDIR=/tmp
${labNodes()}
`;
}

/** The guest's own namespace is l4-1 on the bridge; the others are namespaces with a veth on it. */
function labNodes(): string {
  return `ip link set lo up
ip link add br0 type bridge && ip link set br0 up
ip address add ${NODES[NODE]}/24 dev br0
i=0
for name in ${PEERS.join(' ')}; do
  ip netns add $name
  ip -n $name link set lo up
  ip link add v$i type veth peer name eth0 netns $name
  ip link set v$i master br0 up
  ip -n $name link set eth0 up
  mkdir -p ${GUEST_NODES}/$name/run ${GUEST_NODES}/$name/state ${GUEST_NODES}/$name/conf
  i=$((i+1))
done
${PEERS.map((n) => `ip -n ${n} address add ${NODES[n]}/24 dev eth0`).join('\n')}
# Started before systemd, so they are outside every unit: what systemd does to the agent does not reach them.
ip netns exec srv-1 setsid node $SHARE/stubs.mjs http ${NODES['srv-1']} 8080 > $SHARE/srv-1.log 2>&1 < /dev/null &
ip netns exec srv-1 setsid node $SHARE/stubs.mjs agent-check ${NODES['srv-1']} 9300 ${GUEST_NODES}/srv-1/agent-check >> $SHARE/srv-1.log 2>&1 < /dev/null &
for n in l7-1 l7-2; do
  ip -n $n address add ${VIP}/32 dev lo
  ip netns exec $n setsid node $SHARE/stubs.mjs agent-check 127.0.0.1 9300 ${GUEST_NODES}/$n/agent-check > $SHARE/$n.stub.log 2>&1 < /dev/null &
  ip netns exec $n setsid haproxy -W -f $SHARE/$n.haproxy.cfg > $SHARE/$n.haproxy.log 2>&1 < /dev/null &
done
ip netns exec rt-1 bird -c $SHARE/rt-1.bird.conf -s ${GUEST_NODES}/rt-1/run/bird.ctl -P ${GUEST_NODES}/rt-1/run/bird.pid
setsid ip -n rt-1 -ts monitor route > $SHARE/routes.log 2>&1 < /dev/null &
`;
}

/** The proof's target (systemd.unit) and its oneshot driver, which powers the guest off however it ends. */
export function proofUnits(share: string): Record<string, string> {
  return {
    [PROOF_TARGET]: `[Unit]
Description=tierlb proof under systemd
Wants=tierlb-proof.service
`,
    'tierlb-proof.service': `[Unit]
Description=tierlb proof: start, reload, stop, crash of ${UNIT}
[Service]
Type=oneshot
TimeoutStartSec=infinity
Environment=SHARE=${share} HOME=/tmp
ExecStart=/bin/sh ${share}/driver.sh
ExecStopPost=/bin/sh -c 'systemctl poweroff --no-block || systemctl -ff poweroff'
`,
  };
}

/** Under systemd: every step bounded in time, every figure and file written to $SHARE. */
export function driverScript(): string {
  const show = `systemctl show -p ActiveState,SubState,MainPID,NRestarts,StatusText,Result ${UNIT}`;
  return `exec > $SHARE/driver.log 2>&1
set -x
R=$SHARE/results.env
: > $R
ms() { echo $(( $(date +%s%N) / 1000000 )); }
res() { echo "$1=$2" >> $R; }
upto() { lim=$1; shift; s0=$(ms); while ! "$@" >/dev/null 2>&1; do [ $(( $(ms) - s0 )) -gt $lim ] && return 1; sleep 0.2; done; return 0; }
route_via() { ip -n rt-1 route show $1/32 | grep -q 'via ${NODES[NODE]}'; }
no_route() { ! route_via $1; }
gs_route() { ip netns exec rt-1 birdc -s ${GUEST_NODES}/rt-1/run/bird.ctl show route all ${VIP}/32 | grep -q '(65535,0)'; }
has_vip() { ipvsadm -Ln | grep -q "TCP  $1:80 mh"; }
# The router's BIRD takes only the VIPs of the site it was rendered from: the new one is read from the speaker.
speaker_has() { gobgp -u 127.0.0.1 -p 50051 global rib -a ipv4 | grep -qF "$1/32"; }
prop() { systemctl show -p $1 --value ${UNIT}; }
restarted() { [ "$(prop NRestarts)" = 1 ] && [ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" != "$1" ] && [ "$(prop MainPID)" != 0 ]; }
journal() { journalctl -u ${UNIT} -o cat --no-pager > $SHARE/$1 2>&1; }
res systemd_pid1 "$(cat /proc/1/comm)"

# 1. Start: systemctl returns once the agent said READY=1.
t=$(ms); systemctl start ${UNIT}; rc=$?; res start_rc $rc; res start_ms $(( $(ms) - t ))
# Nothing else means anything without an agent: the journal says why.
if [ $rc != 0 ]; then journal journal.txt; journalctl -b --no-pager > $SHARE/journal-boot.txt 2>&1; exit 1; fi
${show} > $SHARE/show-start.txt
systemctl status --no-pager -l -n 0 ${UNIT} > $SHARE/status-start.txt 2>&1
ipvsadm -Ln > $SHARE/ipvs-start.txt 2>&1
upto 60000 route_via ${VIP} && res route_after_start_ms $(( $(ms) - t )) || res route_after_start_ms timeout
tierlb status --config /etc/tierlb/site.yaml --node ${NODE} > $SHARE/tierlb-status.txt 2>&1

# 2. Reload after an edit: a second VIP.
cp $SHARE/site-edited.yaml /etc/tierlb/.site.new && mv /etc/tierlb/.site.new /etc/tierlb/site.yaml
t=$(ms); systemctl reload ${UNIT}; res reload_rc $?; res reload_ms $(( $(ms) - t ))
upto 60000 has_vip ${NEW_VIP} && res reload_ipvs_ms $(( $(ms) - t )) || res reload_ipvs_ms timeout
upto 60000 speaker_has ${NEW_VIP} && res reload_announce_ms $(( $(ms) - t )) || res reload_announce_ms timeout
${show} > $SHARE/show-reload.txt
ipvsadm -Ln > $SHARE/ipvs-reload.txt 2>&1

# 3. Planned stop: graceful-shutdown community, withdraw, speaker stopped, IPVS left.
speaker=$(pgrep -x gobgpd | head -1); res speaker_before_stop "\${speaker:-none}"
t=$(ms); res stop_at $t
( gs=; s0=$(ms); while [ $(( $(ms) - s0 )) -lt 30000 ] && route_via ${VIP}; do
    if [ -z "$gs" ] && gs_route; then gs=$(( $(ms) - t )); res stop_gs_seen_ms $gs; fi; sleep 0.2; done ) &
watcher=$!
systemctl stop ${UNIT}; res stop_rc $?; res stop_ms $(( $(ms) - t ))
wait $watcher
no_route ${VIP} && res stop_withdrawn yes || res stop_withdrawn no
res speaker_after_stop "$(pgrep -x gobgpd | head -1 || true)"
${show} > $SHARE/show-stop.txt
ipvsadm -Ln > $SHARE/ipvs-stop.txt 2>&1
journal journal-stop.txt

# 4. Crash: SIGKILL to the main pid; systemd restarts the agent.
t=$(ms); systemctl start ${UNIT}; res restart_start_rc $?; res second_start_ms $(( $(ms) - t ))
upto 60000 route_via ${VIP} && res second_route_ms $(( $(ms) - t )) || res second_route_ms timeout
pid=$(prop MainPID); speaker=$(pgrep -x gobgpd | head -1)
res crash_main_pid "$pid"; res speaker_before_crash "\${speaker:-none}"
t=$(ms); res crash_at $t; [ "$pid" -gt 1 ] && kill -9 "$pid"
upto 10000 no_route ${VIP} && res crash_withdrawn_ms $(( $(ms) - t )) || res crash_withdrawn_ms timeout
ipvsadm -Ln > $SHARE/ipvs-crash.txt 2>&1
kill -0 "\${speaker:-0}" 2>/dev/null && res old_speaker_alive yes || res old_speaker_alive no
upto 120000 restarted "$pid" && res restart_ms $(( $(ms) - t )) || res restart_ms timeout
upto 60000 route_via ${VIP} && res crash_route_back_ms $(( $(ms) - t )) || res crash_route_back_ms timeout
res speaker_after_crash "$(pgrep -x gobgpd | head -1 || true)"
${show} > $SHARE/show-crash.txt
systemctl status --no-pager -l -n 0 ${UNIT} > $SHARE/status-crash.txt 2>&1
journal journal.txt
journalctl -b --no-pager > $SHARE/journal-boot.txt 2>&1
res done 1
`;
}
