// The Maglev model (tiers/l4/maglev) against the kernel's mh scheduler: the
// host kernel has no IPVS, so this boots the user-mode-linux kernel and runs
// maglev-guest.ts there, which sends a SYN from each of 1000 clients to each
// service and reads the kernel's choices back. The model must make the same
// choice, or the same refusal, for every client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import { toIp, type IpAddress } from '../../site/index.js';
import { buildMaglevTable, scheduleFlow, type MaglevService } from '../../tiers/l4/maglev/index.js';
import { REPO } from '../helpers/site.js';
import { CLIENTS_PER_SERVICE, SERVICES, type CaseService, type KernelChoice } from './maglev-case.js';

const runs: UmlRun[] = [];
afterAll(async () => { for (const r of runs) await removeUmlShare(r); });

function address(s: string): IpAddress {
  const r = toIp(s);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

function modelOf(s: CaseService): MaglevService {
  return {
    family: s.family,
    flags: s.flags,
    realServers: s.realServers.map((rs) => ({
      address: address(rs.address),
      port: s.port,
      weight: rs.drainedTo ?? rs.weight,
      lastWeight: rs.drainedTo === 0 ? rs.weight : (rs.drainedTo ?? rs.weight),
    })),
  };
}

describe('the Maglev model against the mh scheduler of the user-mode-linux kernel', () => {
  let results: { vip: string; port: number; choices: KernelChoice[] }[] = [];

  it('runs the guest: four services, 1000 SYNs each', async () => {
    const script = `
ip link set lo up
ip link add uplink type dummy && ip link set uplink up
ip address add 10.0.0.21/16 dev uplink
ip -6 address add fd00::21/32 dev uplink nodad
ip route add 198.51.100.0/24 dev uplink
ip -6 route add 2001:db8::/64 dev uplink
cd ${REPO}
node --import tsx test/daemons/maglev-guest.ts "$SHARE"
`;
    const run = await runInUml(script, { modules: ['ip_vs', 'ip_vs_mh', 'dummy'], timeoutMs: 90000 });
    runs.push(run);
    expect(run.exitCode, `guest output:\n${run.output}\nconsole:\n${run.console.slice(-2000)}`).toBe(0);
    const file = JSON.parse(readFileSync(join(run.shareDir, 'choices.json'), 'utf8')) as { table: string; results: typeof results };
    results = file.results;
    process.stdout.write(`${run.output.trim()}\n${file.table}`);
    expect(results).toHaveLength(SERVICES.length);
  }, 120000);

  for (const s of SERVICES) {
    it(`chooses as the kernel for all ${CLIENTS_PER_SERVICE} clients of ${s.family} ${s.vip}:${s.port} ${s.flags.join(',') || '(no flags)'}`, () => {
      const kernel = results.find((r) => r.vip === s.vip && r.port === s.port)?.choices ?? [];
      expect(kernel).toHaveLength(CLIENTS_PER_SERVICE);
      const table = buildMaglevTable(modelOf(s));
      const choices = kernel.map((k) => scheduleFlow(table, { client: address(k.client), port: k.port }));
      const model = choices.map((c) => (c.kind === 'scheduled' ? c.realServer.address : undefined));
      const agree = kernel.filter((k, i) => k.realServer === model[i]).length;
      const scheduled = kernel.filter((k) => k.realServer !== undefined).length;
      process.stdout.write(`${s.vip}:${s.port}: model = kernel for ${agree} of ${kernel.length} clients (${scheduled} scheduled by the kernel)\n`);
      expect(kernel.map((k) => k.realServer)).toEqual(model);
      // The premise: most clients made a connection, and the drained real
      // server's slots sent some elsewhere (mh-fallback) or nowhere (without).
      expect(scheduled).toBeGreaterThan(CLIENTS_PER_SERVICE * 0.7);
      const past = s.flags.includes('mh-fallback')
        ? choices.filter((c) => c.kind === 'scheduled' && c.fellBack).length
        : choices.filter((c) => c.kind === 'unscheduled').length;
      expect(past).toBeGreaterThan(50);
    });
  }
});
