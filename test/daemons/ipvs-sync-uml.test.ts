// IPVS connection sync between two L4 nodes in the user-mode-linux kernel
// (the host kernel has no IPVS): namespaces a and b are two L4 nodes on one
// bridge with the same mh service in tunnel mode towards two L7 nodes, l7a
// and l7b, which echo what they get with their name. Both L4 nodes start
// their sync daemons through the addon (ipvs-sync-guest.ts). A client's
// connection goes through a; its entry must reach b. Then b drains the L7
// node that holds the flow (weight 0: Maglev with mh-fallback sends any new
// flow to the other one) and the client's route moves to b: the flow's
// next message must still reach the same L7 node, through b's synced entry.
// Last, live edits of b's settings, sync turned off, and a device b lacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { addonFunction } from '../../agent/drivers/ipvs/netlink-addon.js';
import { REPO } from '../helpers/site.js';
import type { SyncGuestResult } from './ipvs-sync-guest.js';

const runs: UmlRun[] = [];
afterAll(async () => { for (const r of runs) await removeUmlShare(r); });

const VIP = '198.51.100.1';
const GROUP = '224.0.0.81';

const ECHO = `import net from 'node:net';
const name = process.argv[2];
net.createServer((s) => s.on('data', (d) => s.write(name + ':' + d)).on('error', () => undefined)).listen(80, '0.0.0.0');
`;

// One connection: "one", then "two" once the file go appears; every answer, error or close in client.json.
const CLIENT = `import net from 'node:net';
import fs from 'node:fs';
const share = process.argv[2];
const out = [];
const save = () => fs.writeFileSync(share + '/client.json', JSON.stringify(out));
const s = net.connect(80, '${VIP}');
s.setNoDelay(true);
s.on('connect', () => s.write('one'));
s.on('data', (d) => {
  out.push(String(d)); save();
  if (out.length > 1) { s.end(); return; }
  const t = setInterval(() => { if (fs.existsSync(share + '/go')) { clearInterval(t); s.write('two'); } }, 100);
});
s.on('error', (e) => { out.push('error ' + e.code); save(); });
s.on('close', () => { out.push('closed'); save(); process.exit(0); });
setTimeout(() => { out.push('timeout'); save(); process.exit(1); }, 90000);
`;

const guest = (ns: string, command: string, label: string, settings: unknown[]): string =>
  `ip netns exec ${ns} node --import tsx test/daemons/ipvs-sync-guest.ts ${command} "$SHARE" ${label} '${JSON.stringify(settings)}'`;

const SYNC = { enabled: true, interface: 'eth0', group: GROUP, port: 8848, syncId: 5 };

const SCRIPT = `
set -e
mount -t tmpfs run /run
ip link set lo up
ip link add br0 type bridge
ip link set br0 type bridge mcast_snooping 0
ip link set br0 up
for ns in a b l7a l7b client; do
  ip netns add $ns
  ip link add v-$ns type veth peer name eth0 netns $ns
  ip link set v-$ns master br0 up
  ip -n $ns link set lo up
  ip -n $ns link set eth0 up
done
ip -n a address add 10.9.0.1/24 dev eth0
ip -n b address add 10.9.0.2/24 dev eth0
ip -n l7a address add 10.9.0.10/24 dev eth0
ip -n l7b address add 10.9.0.11/24 dev eth0
ip -n client address add 10.9.0.100/24 dev eth0
for ns in a b; do
  ip -n $ns link add tierlb0 type dummy
  ip -n $ns link set tierlb0 up
  ip -n $ns address add ${VIP}/32 dev tierlb0
  ip netns exec $ns sysctl -qw net.ipv4.vs.sloppy_tcp=1
  ip netns exec $ns ipvsadm -A -t ${VIP}:80 -s mh -b mh-fallback
  ip netns exec $ns ipvsadm -a -t ${VIP}:80 -r 10.9.0.10 -i -w 1
  ip netns exec $ns ipvsadm -a -t ${VIP}:80 -r 10.9.0.11 -i -w 1
done
for ns in l7a l7b; do
  ip -n $ns link set tunl0 up
  ip -n $ns address add ${VIP}/32 dev lo
  ip netns exec $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0
  ip netns exec $ns node "$SHARE/echo.mjs" $ns &
done
ip -n client route add ${VIP}/32 via 10.9.0.1
cd ${REPO}
${guest('a', 'apply', 'a-start', [SYNC])}
${guest('b', 'apply', 'b-start', [SYNC])}
ip netns exec client node "$SHARE/client.mjs" "$SHARE" &
client=$!
for i in $(seq 1 120); do grep -q '"' "$SHARE/client.json" 2>/dev/null && break; sleep 0.5; done
ip netns exec a ipvsadm -Lnc > "$SHARE/a-conns.txt"
# The master flushes its buffer within about 2 s of the entry's third packet.
for i in $(seq 1 60); do ip netns exec b ipvsadm -Lnc | grep -q 10.9.0.100 && break; sleep 0.5; done
ip netns exec b ipvsadm -Lnc > "$SHARE/b-conns.txt"
ip netns exec b cat /proc/net/ip_vs_conn_sync > "$SHARE/b-conn-sync.txt"
ip netns exec b cat /proc/net/udp > "$SHARE/b-udp.txt"
${guest('b', 'counters', 'b-counters', [])}
holder=$(awk '/10.9.0.100/ { split($6, d, ":"); print d[1] }' "$SHARE/a-conns.txt")
echo "$holder" > "$SHARE/holder.txt"
ip netns exec b ipvsadm -e -t ${VIP}:80 -r "$holder" -i -w 0
ip -n client route replace ${VIP}/32 via 10.9.0.2
touch "$SHARE/go"
wait $client
ip netns exec b ipvsadm -Lnc > "$SHARE/b-conns-after.txt"
ip netns exec a ipvsadm -Lnc > "$SHARE/a-conns-after.txt"
${guest('b', 'apply', 'b-edits', [{ ...SYNC, group: 'ff02::81', ttl: 2, port: 8900 }, { enabled: false }, { ...SYNC, interface: 'nosuch0' }])}
`;

const read = (run: UmlRun, name: string): string => readFileSync(join(run.shareDir, name), 'utf8');
const results = (run: UmlRun, name: string): SyncGuestResult[] => JSON.parse(read(run, `${name}.json`)) as SyncGuestResult[];

describe('IPVS connection sync between two L4 nodes in the user-mode-linux kernel', () => {
  let run: UmlRun | undefined;

  it('has the sync-daemon functions in the built addon (npm run build:native)', () => {
    expect(addonFunction('startSyncDaemon')).toHaveProperty('fn');
  });

  it('runs the two-node scenario', async () => {
    run = await runInUml(SCRIPT, {
      modules: ['ip_vs', 'ip_vs_mh', 'ipip', 'veth', 'bridge', 'dummy'], timeoutMs: 300000, memMb: 768,
      files: { 'echo.mjs': ECHO, 'client.mjs': CLIENT },
    });
    runs.push(run);
    expect(run.exitCode, `guest output:\n${run.output}\nconsole:\n${run.console.slice(-3000)}`).toBe(0);
  }, 330000);

  it('starts a master and a backup on each node, read back as the site says', () => {
    if (!run) throw new Error('the guest did not run');
    for (const node of ['a-start', 'b-start']) {
      const [r] = results(run, node);
      expect(r?.result, JSON.stringify(r)).toBe('held');
      expect(r?.counted).toEqual(['start master', 'start backup']);
      expect(r?.daemons).toEqual([
        { state: 'master', interface: 'eth0', syncId: 5, group: GROUP, port: 8848, ttl: 1, maxlen: expect.any(Number) },
        { state: 'backup', interface: 'eth0', syncId: 5, group: GROUP, port: 8848, ttl: 1, maxlen: expect.any(Number) },
      ]);
      expect(r?.drops).toBe(0);
    }
  });

  it('gives b the entry of the connection a scheduled, marked as synced', () => {
    if (!run) throw new Error('the guest did not run');
    const holder = read(run, 'holder.txt').trim();
    expect(['10.9.0.10', '10.9.0.11']).toContain(holder);
    const line = read(run, 'b-conns.txt').split('\n').find((l) => l.includes('10.9.0.100'));
    expect(line, read(run, 'b-conns.txt')).toMatch(new RegExp(`^TCP .* ESTABLISHED +10\\.9\\.0\\.100:\\d+ +${VIP}:80 +${holder.replace(/\./g, '\\.')}:80`));
    expect(read(run, 'b-conn-sync.txt')).toMatch(/ ESTABLISHED +SYNC /);
    const [counters] = results(run, 'b-counters');
    expect(counters?.origins).toEqual({ local: 0, sync: 1 });
    expect(counters?.drops).toBe(0);
  });

  it('keeps the flow on its L7 node when it moves to b after b drained that node', () => {
    if (!run) throw new Error('the guest did not run');
    const holder = read(run, 'holder.txt').trim();
    const name = holder === '10.9.0.10' ? 'l7a' : 'l7b';
    expect(JSON.parse(read(run, 'client.json'))).toEqual([`${name}:one`, `${name}:two`, 'closed']);
    // The rest of the flow went through b alone: b's entry saw the client's
    // FIN (a's still says ESTABLISHED), and it still names the drained node.
    const entry = (file: string): string[] => read(run as UmlRun, file).split('\n').filter((l) => l.includes('10.9.0.100'));
    const holderRe = holder.replace(/\./g, '\\.');
    expect(entry('b-conns-after.txt'), read(run, 'b-conns-after.txt')).toEqual([expect.stringMatching(new RegExp(` (FIN_WAIT|CLOSE|CLOSE_WAIT|TIME_WAIT|LAST_ACK) +10\\.9\\.0\\.100:\\d+ +${VIP}:80 +${holderRe}:80`))]);
    expect(entry('a-conns-after.txt')).toEqual([expect.stringMatching(/ ESTABLISHED /)]);
  });

  it('moves b\'s daemons to new settings (an IPv6 group) on an edit, stops them when sync is turned off, and names a device b lacks', () => {
    if (!run) throw new Error('the guest did not run');
    const [edited, off, missing] = results(run, 'b-edits');
    expect(edited?.counted).toEqual(['stop master', 'stop backup', 'start master', 'start backup']);
    expect(edited?.daemons).toEqual([
      expect.objectContaining({ state: 'master', group: 'ff02::81', port: 8900, ttl: 2 }),
      expect.objectContaining({ state: 'backup', group: 'ff02::81', port: 8900, ttl: 2 }),
    ]);
    // The backup's socket found in /proc/net/udp6.
    expect(edited?.drops).toBe(0);
    expect(off?.counted).toEqual(['stop master', 'stop backup']);
    expect(off?.daemons).toEqual([]);
    expect(missing?.result).toBe('retry');
    expect(missing?.status).toContain('start master sync daemon on nosuch0: No such device (ENODEV)');
    expect(missing?.daemons).toEqual([]);
  });
});
