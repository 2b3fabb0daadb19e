// `node moved-probe.mjs FILE`, in the lab's users namespace (scenario
// `moved`, guest/moved-learn.ts): opens the TCP connections of one batch of
// FILE at once, each from its own source address and port, prints one JSON
// line when every one of them is open or has failed, and waits for a line on
// stdin: `next` resets the batch's connections and goes on to the next
// batch, `stop` resets them and ends. FILE: { connectMs, batches: [[{ host,
// port, local, localPort }]] }. Bundled by bench/disruption/main.ts beside
// the flows client.
//
// A reset (RST), not a close: a tunnel-mode L4 node sees only the client's
// side, and an established entry that sees the client's RST goes to CLOSE,
// from which the kernel schedules the next SYN of the same tuple afresh; a
// FIN would leave the client's socket in TIME_WAIT, holding the source port
// the next learn needs.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

interface Connection { readonly host: string; readonly port: number; readonly local: string; readonly localPort: number }
interface ProbeFile { readonly connectMs: number; readonly batches: readonly (readonly Connection[])[] }

/** Resolves with the open socket, or with why it is not open within `ms`. */
function open(c: Connection, ms: number): Promise<Socket | string> {
  return new Promise((resolve) => {
    const s = connect({ host: c.host, port: c.port, localAddress: c.local, localPort: c.localPort });
    const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, ms);
    s.once('connect', () => { clearTimeout(timer); resolve(s); });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); s.destroy(); resolve(e.code ?? 'error'); });
    // HAProxy may write nothing; whatever it writes is not read.
    s.on('data', () => undefined);
  });
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('expected the connections file');
  const { connectMs, batches } = JSON.parse(readFileSync(file, 'utf8')) as ProbeFile;
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  for (let i = 0; i < batches.length; i++) {
    const results = await Promise.all((batches[i] ?? []).map((c) => open(c, connectMs)));
    const failed: Record<string, number> = {};
    for (const r of results) if (typeof r === 'string') failed[r] = (failed[r] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ batch: i, open: results.filter((r) => typeof r !== 'string').length, failed })}\n`);
    const answer = await lines.next();
    for (const r of results) if (typeof r !== 'string') r.resetAndDestroy();
    if (answer.done === true || answer.value.trim() !== 'next') break;
  }
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`moved-probe: ${(e as Error).message}\n`);
  process.exit(2);
});
