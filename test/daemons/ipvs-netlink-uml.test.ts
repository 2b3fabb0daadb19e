// The netlink addon against ipvsadm, the reference, in real IPVS: the host
// kernel has none, so this boots the user-mode-linux kernel and runs
// ipvs-netlink-guest.ts there. After every step of the sequence the addon's
// table must print as `ipvsadm -S -n` (both sorted), its counters must
// equal ipvsadm's, and the netlink port must read what parseIpvsList reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { netlinkAvailable } from '../../agent/drivers/ipvs/netlink-addon.js';
import { REPO } from '../helpers/site.js';
import type { GuestStep } from './ipvs-netlink-guest.js';

const runs: UmlRun[] = [];
afterAll(async () => { for (const r of runs) await removeUmlShare(r); });

describe('the IPVS netlink addon in the user-mode-linux kernel', () => {
  let steps: GuestStep[] = [];

  it('is built (npm run build:native)', () => {
    expect(netlinkAvailable()).toEqual({ ok: true });
  });

  it('runs the scripted sequence', async () => {
    const script = `
ip link set lo up
ip link add uplink type dummy && ip link set uplink up
ip address add 10.0.0.21/16 dev uplink
ip -6 address add fd00::21/32 dev uplink nodad
ip route add 198.51.100.0/24 dev uplink
cd ${REPO}
node --import tsx test/daemons/ipvs-netlink-guest.ts "$SHARE"
`;
    const run = await runInUml(script, { modules: ['ip_vs', 'ip_vs_mh', 'ip_vs_rr', 'dummy'], timeoutMs: 120000 });
    runs.push(run);
    expect(run.exitCode, `guest output:\n${run.output}\nconsole:\n${run.console.slice(-2000)}`).toBe(0);
    steps = JSON.parse(readFileSync(join(run.shareDir, 'steps.json'), 'utf8')) as GuestStep[];
    expect(steps.length).toBeGreaterThan(20);
  }, 150000);

  it('reads what ipvsadm -S -n prints (sorted alike), after every step', () => {
    for (const s of steps) expect(s.addonSave, s.name).toEqual(s.ipvsadmSave);
    // The sequence did build something: v4, v6, every mh flag, tunnels, weight 0.
    const all = steps.flatMap((s) => s.ipvsadmSave).join('\n');
    for (const text of ['-b mh-fallback,mh-port', '-b mh-port', '-b mh-fallback', '[2001:db8::10]:80', '-w 0 --tun-type ipip', '-w 65535', '-f 42', '-p 300']) {
      expect(all).toContain(text);
    }
  });

  it('reads the same thresholds and counters as ipvsadm, after every step', () => {
    for (const s of steps) expect(s.addonDetail, s.name).toEqual(s.ipvsadmDetail);
    const last = steps.find((s) => /connection attempt/.test(s.name));
    expect(last).toBeDefined();
    // The SYN was scheduled: one connection on some destination, its packets counted.
    expect(last?.addonDetail.join('\n')).toMatch(/(active=1 inactive=0|active=0 inactive=1) persistent=0 conns=1 inpkts=[1-9]\d* outpkts=0 inbytes=[1-9]/);
  });

  it('gives the L4 applier the table parseIpvsList reads from ipvsadm -Ln --nosort', () => {
    // parseIpvsList reads an FWM block's destinations as the previous
    // service's (it has no FWM line), so steps with the fwmark service are
    // left out here; the sorted comparison above covers them.
    const comparable = steps.filter((s) => !s.ipvsadmSave.some((l) => l.startsWith('-A -f')));
    expect(comparable.length).toBeGreaterThan(steps.length - 8);
    for (const s of comparable) expect(s.portRead, s.name).toEqual(s.parsedList);
  });

  it('sees changes made by hand with ipvsadm', () => {
    const after = (name: string): string[] => steps.find((s) => s.name.includes(name))?.addonSave ?? [];
    expect(after('a destination added by hand')).toContain('-a -t 198.51.100.10:80 -r 10.0.1.36:80 -i -w 7 --tun-type ipip');
    expect(after('a destination deleted by hand').join('\n')).not.toContain('10.0.1.32:80');
    expect(after('flags set by hand')).toContain('-A -t 198.51.100.11:443 -s mh -b mh-port');
    expect(after('a v6 destination added by hand')).toContain('-a -t [2001:db8::11]:443 -r [fd00::33]:443 -i -w 0 --tun-type ipip');
  });

  it('reports refused operations as typed errors naming errno, operation and object, and stops a batch at the first', () => {
    const failing = steps.find((s) => s.name === 'after the failing batch');
    expect(failing?.note).toEqual([
      { typed: true, message: 'IPVS add destination 10.0.1.33:80 to tcp 198.51.100.10:80: EEXIST (17)', errno: 17, code: 'EEXIST', op: 'add-destination', target: '10.0.1.33:80 to tcp 198.51.100.10:80', index: 0 },
      { typed: true, message: 'IPVS edit destination 10.0.1.99:80 in tcp 198.51.100.10:80: ENOENT (2)', errno: 2, code: 'ENOENT', op: 'edit-destination', target: '10.0.1.99:80 in tcp 198.51.100.10:80', index: 0 },
      { typed: true, message: 'IPVS add service tcp 198.51.100.10:80: EEXIST (17)', errno: 17, code: 'EEXIST', op: 'add-service', target: 'tcp 198.51.100.10:80', index: 0 },
      { typed: true, message: 'IPVS delete service tcp 198.51.100.99:80: ESRCH (3)', errno: 3, code: 'ESRCH', op: 'delete-service', target: 'tcp 198.51.100.99:80', index: 0 },
      { typed: true, message: 'IPVS add destination 10.0.1.40:80 to tcp 198.51.100.10:80: EEXIST (17)', errno: 17, code: 'EEXIST', op: 'add-destination', target: '10.0.1.40:80 to tcp 198.51.100.10:80', index: 1 },
    ]);
    const table = failing?.ipvsadmSave.join('\n') ?? '';
    expect(table).toContain('10.0.1.40:80');
    expect(table).not.toContain('10.0.1.41:80');
  });

  it('runs every operation of a packed batch and reports each refusal; the port holds deletions back after one', () => {
    const note = (name: string): unknown => steps.find((s) => s.name === name)?.note;
    expect(note('after a packed batch with two refusals')).toEqual([
      { message: 'IPVS add destination 10.0.1.42:80 to tcp 198.51.100.10:80: EEXIST (17)', index: 1 },
      { message: 'IPVS edit destination 10.0.1.99:80 in tcp 198.51.100.10:80: ENOENT (2)', index: 3 },
    ]);
    expect(steps.find((s) => s.name === 'after a packed batch with two refusals')?.ipvsadmSave.join('\n')).toContain('-r 10.0.1.43:80');
    expect(note('after a change set whose add was refused')).toMatchObject({
      ok: false, error: 'IPVS add destination 10.0.1.43:80 to tcp 198.51.100.10:80: EEXIST (17) (operation 1 of 2); 1 deletions not attempted',
    });
    expect(steps.find((s) => s.name === 'after a change set whose add was refused')?.ipvsadmSave.join('\n')).toContain('-r 10.0.1.42:80');
    expect(steps.find((s) => s.name === 'after ipvsadm -R with a refused first line')?.ipvsadmSave.join('\n')).toContain('-r 10.0.1.44:80');
  });

  it('drives applyIpvs: the example plan from scratch, a drain, and the repair of a hand-made deletion', () => {
    const note = (name: string): unknown => steps.find((s) => s.name.startsWith(name))?.note;
    expect(note('applyIpvs: the example plan')).toMatchObject({ kind: 'verified' });
    expect(note('applyIpvs: l7-2 drained')).toMatchObject({ kind: 'verified' });
    expect((note('applyIpvs: l7-2 drained') as { applied: string[] }).applied.every((op) => op === 'edit-destination')).toBe(true);
    expect(steps.find((s) => s.name.startsWith('ipvsadm -d by hand'))?.addonSave.join('\n')).not.toContain('-t 198.51.100.1:80 -r 10.0.1.33:80');
    // 10.0.1.33 goes back in its place: 10.0.1.34, after it in Maglev order, moves behind it.
    expect(note('applyIpvs: repaired')).toMatchObject({ kind: 'verified', applied: ['add-destination', 'move-destination'], orderDrift: [] });
    expect((note('applyIpvs: repaired') as { reordered: unknown[] }).reordered).toHaveLength(1);
    const first = (steps.find((s) => s.name === 'applyIpvs: repaired')?.portRead as { vip: string; port: number; destinations: { address: string }[] }[])
      .find((s) => s.vip === '198.51.100.1' && s.port === 80);
    expect(first?.destinations.map((d) => d.address)).toEqual(['10.0.1.31', '10.0.1.32', '10.0.1.33', '10.0.1.34']);
  });

  it('deletes UDP services made by hand as UDP, through netlink and through ipvsadm -R, and leaves the TCP service on the same VIP:port', () => {
    const step = (name: string): GuestStep | undefined => steps.find((s) => s.name.startsWith(name));
    expect(step('UDP services added by hand')?.ipvsadmSave).toEqual(expect.arrayContaining(['-A -u 198.51.100.1:80 -s rr', '-A -u 198.51.100.9:53 -s rr', '-A -t 198.51.100.1:80 -s mh -b mh-fallback']));
    expect(step('applyIpvs: UDP services deleted')?.note).toEqual({ kind: 'verified', applied: ['delete-service udp 198.51.100.1:80', 'delete-service udp 198.51.100.9:53'] });
    // The table as it was before the UDP services came: the TCP services untouched.
    expect(step('applyIpvs: UDP services deleted')?.ipvsadmSave).toEqual(step('applyIpvs: repaired')?.ipvsadmSave);
    expect(step('ipvsadm -R deleted a UDP service')?.ipvsadmSave.filter((l) => l.includes(' -u '))).toEqual([]);
  });

  it('gives two services with the same L7 nodes the same Maglev table once applyIpvs restores the order', () => {
    const note = steps.find((s) => s.name.startsWith('clients scheduled to different'))?.note as { before: { clients: number; differ: number; unseen: number; order: string[] }; after: { differ: number; unseen: number; order: string[] } } | undefined;
    expect(note?.before.order, JSON.stringify(note)).toEqual(['10.0.1.31', '10.0.1.33', '10.0.1.34', '10.0.1.32']);
    expect(note, 'the guest wrote no probe results').toBeDefined();
    process.stdout.write(`Maglev tables of two services, one with l7-2 added last: ${JSON.stringify(note)}\n`);
    // The premise: the kernel's destination order changes the table.
    expect(note?.before.unseen).toBe(0);
    expect(note?.before.differ).toBeGreaterThan(0);
    expect(note?.after).toEqual({ clients: 1000, differ: 0, unseen: 0, order: ['10.0.1.31', '10.0.1.32', '10.0.1.33', '10.0.1.34'] });
    const moved = steps.find((s) => s.name === 'applyIpvs: back in Maglev order')?.note as { applied: string[] } | undefined;
    expect(moved?.applied).toEqual(['move-destination', 'move-destination']);
  });
});
