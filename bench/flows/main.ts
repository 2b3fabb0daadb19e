// `tsx bench/flows/main.ts --target URL ... [--sources-from-lo]`: the long-lived
// flows client of the disruption bench, run in the lab's users namespace.
// Live view on stderr, the JSON summary on stdout (and in --json FILE).
import { Command, InvalidArgumentError } from 'commander';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { runFlows } from './client.js';
import { LiveView } from './live.js';
import { summarize } from './outcome.js';

const int = (name: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name}: expected a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
};
const collect = (v: string, all: string[]): string[] => [...all, v];

/** Every address on lo but the loopback ones: the lab's users hold their client addresses there. */
function loopbackClientAddresses(): string[] {
  return (networkInterfaces().lo ?? []).map((a) => a.address).filter((a) => a !== '127.0.0.1' && a !== '::1');
}

const program = new Command('flows')
  .description('many concurrent slow downloads; counts flows that end with a reset, timeout or short read')
  .requiredOption('--target <url>', 'URL to download (repeat for several VIPs)', collect, [])
  .option('--source <address>', 'local address to connect from (repeat)', collect, [])
  .option('--sources-from-lo', 'use every non-loopback address on lo as a source')
  .option('--flows <n>', 'flows in all', int('--flows'), 200)
  .option('--concurrency <n>', 'flows open at once', int('--concurrency'), 100)
  .option('--idle-ms <ms>', 'a flow with no byte for this long is a timeout', int('--idle-ms'), 5000)
  .option('--deadline-ms <ms>', 'no flow starts after this', int('--deadline-ms'), 60000)
  .option('--batch <n>', 'flows per mark of the live view', int('--batch'), 10)
  .option('--json <file>', 'also write the summary and every flow there')
  .action(async (o: { target: string[]; source: string[]; sourcesFromLo?: boolean; flows: number; concurrency: number; idleMs: number; deadlineMs: number; batch: number; json?: string }) => {
    const sources = [...o.source, ...(o.sourcesFromLo ? loopbackClientAddresses() : [])];
    const view = new LiveView(o.batch, (t) => process.stderr.write(t), process.stderr.isTTY === true || process.env.FORCE_COLOR === '1');
    const results = await runFlows({
      targets: o.target, sources, flows: o.flows, concurrency: o.concurrency, idleTimeoutMs: o.idleMs, deadlineMs: o.deadlineMs,
      onResult: (r) => view.add(r),
    });
    view.flush();
    process.stderr.write('\n');
    const summary = summarize(results);
    if (o.json) writeFileSync(o.json, JSON.stringify({ summary, flows: results }, null, 2));
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    process.exitCode = summary.broken === 0 ? 0 : 3;
  });

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`flows: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
