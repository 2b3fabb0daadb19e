// `tsx bench/ipvs-apply-known.ts`: what one weight change costs the L4 agent
// on a 1000 × 50 table in the user-mode-linux kernel, through applyIpvs with
// a fresh read before the diff (two whole-table reads) and with the table
// the agent already holds (its last verify or drift check: one read), as the
// agent reacts (IpvsApplier.apply: the services that changed, diffed against
// the table it applied, sent with no read), and what one periodic drift check
// costs (a read and a compare). Netlink port and ipvsadm port. Boots the
// guest, which runs this file with `guest`. `npm run bench:ipvs-diff` times
// the agent's own part of the reaction on the host.
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ipvsadmPort } from '../agent/drivers/ipvs/ipvsadm-port.js';
import { netlinkIpvsPort } from '../agent/drivers/ipvs/netlink-port.js';
import { createLogger } from '../agent/observe/log.js';
import { createMetrics } from '../agent/observe/metrics.js';
import { systemClock } from '../agent/ports/clock.js';
import { describeDrift } from '../agent/roles/l4/drift.js';
import { IpvsApplier } from '../agent/roles/l4/ipvs-applier.js';
import { removeUmlShare, runInUml } from '../lab/uml/run.js';
import { REPO } from '../test/helpers/site.js';
import { applyIpvs } from '../tiers/l4/apply.js';
import { diffIpvs, type IpvsOp } from '../tiers/l4/diff.js';
import type { KernelService } from '../tiers/l4/kernel.js';
import type { IpvsPort } from '../tiers/l4/port.js';
import { benchTable as table, DESTS, SERVICES } from './ipvs-table.js';

const RUNS = 5;

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
    // The agent's applier on the same port, counting what it sends; its first table is read back like any new one.
    let sent: readonly IpvsOp[] = [];
    const counted: IpvsPort = { read: () => port.read(), apply: (ops) => { sent = ops; return port.apply(ops); } };
    const applier = new IpvsApplier({ port: counted, clock: systemClock, log: createLogger(name, 'silent'), metrics: createMetrics(new Registry()) });
    const first = await applier.apply(table(SERVICES), { leaving: false, verify: true });
    if (first.kind !== 'verified') throw new Error(`the applier's first table: ${first.error}`);
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
      // The applier's table and `next` differ in the one weight, which the kernel holds at another value: its diff is the one edit.
      const next = table(SERVICES, 12 + 3 * i);
      acked.push(await timed(async () => {
        const r = await applier.apply(next, { leaving: false, verify: false });
        if (r.kind !== 'verified' || !r.changed || sent.length !== 1) throw new Error(`acknowledged single change: ${r.kind === 'verified' ? `${sent.length} operations` : r.error}`);
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
    line(`${name}: one weight change as the agent reacts (IpvsApplier.apply: the changed services diffed against the table it applied, the one edit, no read): ${f(acked, 2)}`);
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
