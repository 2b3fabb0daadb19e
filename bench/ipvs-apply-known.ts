// `tsx bench/ipvs-apply-known.ts`: what one weight change costs the L4 agent
// on a 1000 × 50 table in the user-mode-linux kernel, through applyIpvs with
// a fresh read before the diff (two whole-table reads) and with the table
// the agent already holds (its last verify or drift check: one read), as the
// agent reacts (the diff against the table it applied, sent with no read),
// and what one periodic drift check costs (a read and a compare). Netlink port
// and ipvsadm port. Boots the guest, which runs this file with `guest`.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipvsadmPort } from '../agent/drivers/ipvs/ipvsadm-port.js';
import { netlinkIpvsPort } from '../agent/drivers/ipvs/netlink-port.js';
import { describeDrift } from '../agent/roles/l4/drift.js';
import { removeUmlShare, runInUml } from '../lab/uml/run.js';
import { REPO } from '../test/helpers/site.js';
import { applyIpvs } from '../tiers/l4/apply.js';
import { diffIpvs } from '../tiers/l4/diff.js';
import { kernelViewOf } from '../tiers/l4/kernel.js';
import type { KernelService } from '../tiers/l4/kernel.js';
import type { IpvsDestination, IpvsService, IpvsState } from '../tiers/l4/model.js';
import type { IpvsPort } from '../tiers/l4/port.js';

const SERVICES = 1000;
const DESTS = 50;
const RUNS = 5;

function table(n: number, weightOfLast = 100): IpvsState {
  const services: IpvsService[] = [];
  for (let i = 0; i < n; i++) {
    const destinations: IpvsDestination[] = [];
    for (let j = 0; j < DESTS; j++) {
      const weight = i === n - 1 && j === DESTS - 1 ? weightOfLast : 100;
      destinations.push({ node: `l7-${j}`, address: `10.1.${j >> 8}.${(j & 255) + 1}`, port: 80, forwarding: 'tunnel', weight } as unknown as IpvsDestination);
    }
    services.push({ service: 'bench', protocol: 'tcp', vip: `198.18.${i >> 8}.${i & 255}`, family: 'ipv4', port: 80, scheduler: 'mh', flags: ['mh-port'], destinations } as unknown as IpvsService);
  }
  return { services };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const timed = async (f: () => Promise<unknown>): Promise<number> => { const t = performance.now(); await f(); return performance.now() - t; };

/** One port per run, each in a fresh network namespace: a flushed table leaves the kernel's destination trash behind. */
async function guest(which: string, out: string): Promise<void> {
  const line = (s: string): void => appendFileSync(out, `${s}\n`);
  const ports: Record<string, () => IpvsPort> = { netlink: () => netlinkIpvsPort(), ipvsadm: () => ipvsadmPort() };
  const make = ports[which];
  if (!make) throw new Error(`expected netlink or ipvsadm, got "${which}"`);
  for (const [name, port] of [[which, make()]] as [string, IpvsPort][]) {
    execFileSync('ipvsadm', ['-C']);
    const full = await applyIpvs(port, table(SERVICES));
    if (full.kind !== 'verified') throw new Error(`full apply: ${full.error}`);
    let known: readonly KernelService[] = full.kernel;
    const fresh: number[] = [];
    const withKnown: number[] = [];
    const check: number[] = [];
    const readOnly: number[] = [];
    const compare: number[] = [];
    const acked: number[] = [];
    let applied = table(SERVICES);
    for (let i = 0; i < RUNS; i++) {
      fresh.push(await timed(async () => {
        const r = await applyIpvs(port, table(SERVICES, 10 + 3 * i));
        if (r.kind !== 'verified' || r.applied.length !== 1) throw new Error('fresh single change did not verify');
      }));
      withKnown.push(await timed(async () => {
        const r = await applyIpvs(port, table(SERVICES, 11 + 3 * i), known);
        if (r.kind !== 'verified' || r.applied.length !== 1 || r.reads !== 1) throw new Error('known single change did not verify in one read');
        known = r.kernel;
      }));
      const desired = table(SERVICES, 11 + 3 * i);
      applied = desired;
      // The L4 agent's reaction path (IpvsApplier.acknowledged): the diff against the table it last applied, sent, no read.
      const next = table(SERVICES, 12 + 3 * i);
      acked.push(await timed(async () => {
        const diff = diffIpvs(next, kernelViewOf(applied));
        const r = await port.apply(diff.ops);
        if (!r.ok || diff.ops.length !== 1) throw new Error(`acknowledged single change: ${r.ok ? `${diff.ops.length} operations` : r.error}`);
      }));
      known = await port.read();
      let read: KernelService[] = [];
      readOnly.push(await timed(async () => { read = await port.read(); }));
      compare.push(await timed(async () => { await Promise.resolve(describeDrift(desired, read)); }));
      check.push(await timed(async () => {
        const t = await port.read();
        if (describeDrift(next, t).length > 0 || diffIpvs(next, t).ops.length > 0) throw new Error('drift check found drift');
      }));
    }
    const f = (xs: number[], digits = 0): string => `${median(xs).toFixed(digits)} ms (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;
    line(`${name}: one weight change via applyIpvs, read before + verify: ${f(fresh)}`);
    line(`${name}: one weight change via applyIpvs with the known table, verify only: ${f(withKnown)}`);
    line(`${name}: one weight change as the agent reacts (diff against the table it applied, the one edit, no read): ${f(acked, 2)}`);
    line(`${name}: periodic drift check (read + compare): ${f(check)}; of which read ${f(readOnly)}, compare ${f(compare)}`);
  }
}

async function host(): Promise<void> {
  const one = (port: string): string => `unshare -n sh -c "ip link set lo up && node --import tsx bench/ipvs-apply-known.ts guest ${port} $SHARE/out.txt" >> $SHARE/guest.log 2>&1`;
  const run = await runInUml(`cd ${REPO}\n${one('netlink')}\n${one('ipvsadm')}\n`, {
    modules: ['ip_vs', 'ip_vs_mh'], memMb: 1024, timeoutMs: 10 * 60 * 1000,
  });
  const read = (f: string): string => { try { return readFileSync(join(run.shareDir, f), 'utf8'); } catch { return `(no ${f})`; } };
  console.log(`IPVS ${SERVICES} × ${DESTS} in the UML kernel, median of ${RUNS}:\n${read('out.txt')}`);
  if (!read('out.txt').includes('ipvsadm: periodic')) console.log(`guest log:\n${read('guest.log')}\n${run.output.slice(-2000)}`);
  else await removeUmlShare(run);
}

if (process.argv[2] === 'guest') await guest(process.argv[3] ?? '', process.argv[4] ?? '/dev/stdout');
else await host();
