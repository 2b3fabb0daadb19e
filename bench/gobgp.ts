// `npm run bench:gobgp [-- runs]`: what one announce and one withdraw of a
// VIP cost the L4 agent through gobgpd's gRPC API (the agent's one
// connection, AddPath then DeletePath) and through the `gobgp` CLI (a
// process per change, as the speaker did before), against a throwaway
// gobgpd on this host's loopback that opens no BGP session. The two
// alternate, so load hits both alike. Each sample is one announce plus one
// withdraw; the first gRPC call (loading the .proto files, connecting) is
// timed apart, since the agent pays it once. `--uml` runs the same in the
// user-mode-linux kernel the lab runs in, with nothing else beside it: what
// the speaker's call costs in that kernel alone.
import { GobgpApiConnection } from '../agent/drivers/gobgp/api-client.js';
import { processRunner } from '../agent/drivers/kernel/runner.js';
import type { IpAddress } from '../site/index.js';
import { describeRun } from '../tiers/common/runner.js';
import { gobgpAddPathRequest, gobgpAnnounceArgs, gobgpDeletePathRequest, gobgpWithdrawArgs } from '../tiers/ecmp/index.js';
import { nodeOf } from '../tiers/ecmp/test-sites.js';
import { startLoopbackGobgpd } from '../test/helpers/gobgpd.js';
import { loadSite, REPO } from '../test/helpers/site.js';
import { removeUmlShare, runInUml } from '../lab/uml/run.js';

const UML = process.argv.includes('--uml');
const RUNS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50);
const VIP = '198.51.100.1' as IpAddress;

/** Nearest rank: with 50 samples the p99 is the largest. */
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
const timed = async (f: () => Promise<void>): Promise<number> => { const t = performance.now(); await f(); return performance.now() - t; };

async function main(): Promise<number> {
  const site = loadSite();
  const node = nodeOf(site, 'l4-1');
  const gobgpd = await startLoopbackGobgpd();
  const api = new GobgpApiConnection(gobgpd.api);
  api.follow(gobgpd.pid);
  const cliPrefix = ['-u', gobgpd.api.host, '-p', String(gobgpd.api.port)];
  const cli = async (args: readonly string[] | undefined): Promise<void> => {
    if (!args) throw new Error('no args');
    const r = await processRunner('gobgp', [...cliPrefix, ...args], { timeoutMs: 10000 });
    if (r.exitCode !== 0) throw new Error(describeRun('gobgp', [...cliPrefix, ...args], r));
  };
  const grpc = async (call: () => Promise<{ ok: true } | { ok: false; error: string }>): Promise<void> => {
    const r = await call();
    if (!r.ok) throw new Error(r.error);
  };
  const add = gobgpAddPathRequest(site, node, VIP, { gracefulShutdown: false });
  if (!add) throw new Error('l4-1 has no IPv4 address');
  const viaGrpc = { announce: [] as number[], withdraw: [] as number[] };
  const viaCli = { announce: [] as number[], withdraw: [] as number[] };
  try {
    const first = await timed(() => grpc(() => api.addPath(add)));
    await grpc(() => api.deletePath(gobgpDeletePathRequest(VIP)));
    for (let i = 0; i < RUNS; i++) {
      viaGrpc.announce.push(await timed(() => grpc(() => api.addPath(add))));
      viaGrpc.withdraw.push(await timed(() => grpc(() => api.deletePath(gobgpDeletePathRequest(VIP)))));
      viaCli.announce.push(await timed(() => cli(gobgpAnnounceArgs(site, node, VIP, { gracefulShutdown: false }))));
      viaCli.withdraw.push(await timed(() => cli(gobgpWithdrawArgs(VIP))));
    }
    console.log(`bench:gobgp ${new Date().toISOString()}${process.argv.includes('--in-uml') ? ' (in the user-mode-linux kernel, 1 CPU, nothing else running)' : ''}: gobgpd ${gobgpd.api.host}:${gobgpd.api.port} on loopback, ${RUNS} runs each, alternating`);
    console.log(`first gRPC call (load .proto files, connect, AddPath): ${first.toFixed(1)} ms\n`);
    const rows = [
      ['gRPC', viaGrpc] as const,
      ['CLI', viaCli] as const,
    ].map(([how, t]) => {
      const pair = t.announce.map((x, i) => x + (t.withdraw[i] ?? NaN));
      return [how, ...[t.announce, t.withdraw, pair].flatMap((xs) => [percentile(xs, 50), percentile(xs, 99)].map((x) => x.toFixed(2)))];
    });
    const ratio = (i: number): string => `${(Number(rows[1]?.[i]) / Number(rows[0]?.[i])).toFixed(0)}×`;
    const head = ['via', 'announce p50', 'p99', 'withdraw p50', 'p99', 'announce+withdraw p50', 'p99'];
    const body = [...rows, ['CLI / gRPC', ...[1, 2, 3, 4, 5, 6].map(ratio)]];
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
    const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
    console.log(`\nmilliseconds; p99 by nearest rank (of ${RUNS} samples)`);
    return 0;
  } catch (error) {
    console.error(`bench:gobgp: ${(error as Error).message}`);
    return 1;
  } finally {
    api.close();
    await gobgpd.stop();
  }
}

/** This file again, in the lab's kernel (one CPU), its output printed. */
async function inUml(): Promise<number> {
  console.log('bench:gobgp: booting the user-mode-linux kernel (1 CPU)…');
  const run = await runInUml(`cd ${REPO}\nunshare -n sh -c "ip link set lo up && node --import tsx bench/gobgp.ts ${RUNS} --in-uml"\n`, { memMb: 1024, timeoutMs: 10 * 60 * 1000 });
  console.log(run.output.trim());
  if (run.exitCode !== 0) console.error(`bench:gobgp: the guest exited ${run.exitCode}\n${run.console.slice(-2000)}`);
  await removeUmlShare(run);
  return run.exitCode === 0 ? 0 : 1;
}

process.exitCode = UML ? await inUml() : await main();
