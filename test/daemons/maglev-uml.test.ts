// The Maglev model (tiers/l4/maglev) against the kernel's mh scheduler: the
// host kernel has no IPVS, so this boots the user-mode-linux kernel and runs
// maglev-guest.ts there, which sends a SYN from each of 1000 clients to each
// service and reads the kernel's choices back, in two rounds of changes. The
// model must make the same choice, or the same refusal, for every client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeUmlShare, runInUml, type UmlRun } from '../../lab/uml/run.js';
import type { IpAddress } from '../../site/index.js';
import { buildMaglevTable, scheduleFlow } from '../../tiers/l4/maglev/index.js';
import { REPO } from '../helpers/site.js';
import { CLIENTS_PER_SERVICE, ROUNDS, SERVICES, changesOf, realServersAfter, type RoundResult } from './maglev-case.js';

const runs: UmlRun[] = [];
afterAll(async () => { for (const r of runs) await removeUmlShare(r); });

describe('the Maglev model against the mh scheduler of the user-mode-linux kernel', () => {
  let results: RoundResult[] = [];

  it('runs the guest: four services, two rounds of changes, 1000 SYNs to each service in each', async () => {
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
    const run = await runInUml(script, { modules: ['ip_vs', 'ip_vs_mh', 'dummy'], timeoutMs: 100000 });
    runs.push(run);
    expect(run.exitCode, `guest output:\n${run.output}\nconsole:\n${run.console.slice(-2000)}`).toBe(0);
    const file = JSON.parse(readFileSync(join(run.shareDir, 'choices.json'), 'utf8')) as { tables: string[]; results: RoundResult[] };
    results = file.results;
    process.stdout.write(`${run.output.trim()}\n${file.tables.join('\n')}`);
    expect(results).toHaveLength(SERVICES.length * ROUNDS);
  }, 120000);

  for (let round = 0; round < ROUNDS; round++) {
    for (const s of SERVICES) {
      it(`chooses as the kernel for all ${CLIENTS_PER_SERVICE} clients of ${s.family} ${s.vip}:${s.port} ${s.flags.join(',') || '(no flags)'}, round ${round}`, () => {
        const kernel = results.find((r) => r.round === round && r.vip === s.vip && r.port === s.port)?.choices ?? [];
        expect(kernel).toHaveLength(CLIENTS_PER_SERVICE);
        const changes = Array.from({ length: round + 1 }, (_, r) => changesOf(s, r)).flat();
        const table = buildMaglevTable({ family: s.family, flags: s.flags, realServers: realServersAfter(s, changes) });
        const choices = kernel.map((k) => scheduleFlow(table, { client: k.client as IpAddress, port: k.port }));
        const model = choices.map((c) => (c.kind === 'scheduled' ? c.realServer.address : undefined));
        const agree = kernel.filter((k, i) => k.realServer === model[i]).length;
        const scheduled = kernel.filter((k) => k.realServer !== undefined).length;
        process.stdout.write(`round ${round} ${s.vip}:${s.port}: model = kernel for ${agree} of ${kernel.length} clients (${scheduled} scheduled by the kernel)\n`);
        expect(kernel.map((k) => k.realServer)).toEqual(model);
        // The premise: most clients made a connection, so the comparison has substance.
        expect(scheduled).toBeGreaterThan(CLIENTS_PER_SERVICE * 0.7);
        if (round === 0) {
          // The drained real server's slots sent some clients elsewhere (mh-fallback) or nowhere (without).
          const past = s.flags.includes('mh-fallback')
            ? choices.filter((c) => c.kind === 'scheduled' && c.fellBack).length
            : choices.filter((c) => c.kind === 'unscheduled').length;
          expect(past).toBeGreaterThan(50);
        }
      });
    }
  }

  it('would see a model that walks the list oldest first: the comparison can fail', () => {
    let differ = 0;
    for (const r of results) {
      const s = SERVICES.find((x) => x.vip === r.vip && x.port === r.port);
      if (!s) continue;
      const changes = Array.from({ length: r.round + 1 }, (_, n) => changesOf(s, n)).flat();
      const wrongOrder = buildMaglevTable({ family: s.family, flags: s.flags, realServers: realServersAfter(s, changes).reverse() });
      for (const k of r.choices) {
        const c = scheduleFlow(wrongOrder, { client: k.client as IpAddress, port: k.port });
        if ((c.kind === 'scheduled' ? c.realServer.address : undefined) !== k.realServer) differ++;
      }
    }
    process.stdout.write(`a model walking oldest first disagrees with the kernel for ${differ} of ${results.length * CLIENTS_PER_SERVICE} flows\n`);
    expect(differ).toBeGreaterThan(0);
  });
});
