// `npx tsx bench/bird-configure.ts [runs] [ballastMB]`: what one BIRD
// `configure` costs the L4 agent, on BIRD's control socket (birdConfigure)
// and through `birdc` (a process per command, as the speaker did before), against a
// throwaway BIRD on a temp socket on this host (no kernel protocol: it
// touches no routing table). Alternates the two, so load hits both alike.
// `ballastMB` fills this process's heap first: forking costs more from a big
// process, and the agent is one.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { birdConfigure, birdControl } from '../agent/drivers/bird/control.js';
import { BIRD_CONFIGURE_ACCEPTED } from '../agent/drivers/bird/speaker.js';
import { processRunner } from '../agent/drivers/kernel/runner.js';

const RUNS = Number(process.argv[2] ?? 30);
const BALLAST_MB = Number(process.argv[3] ?? 0);
const CONF = 'router id 192.0.2.1;\nprotocol device {}\nprotocol static vips { ipv4; route 198.51.100.1/32 blackhole; }\n';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const timed = async (f: () => Promise<unknown>): Promise<number> => { const t = performance.now(); await f(); return performance.now() - t; };
const fmt = (xs: number[]): string => `median ${median(xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;

async function main(): Promise<void> {
  // Touched arrays, so the pages are really this process's.
  const ballast = Array.from({ length: BALLAST_MB }, () => new Float64Array(131072).fill(1));
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-bench-bird-'));
  const conf = join(dir, 'bird.conf');
  const socket = join(dir, 'bird.ctl');
  writeFileSync(conf, CONF);
  const bird = execa('bird', ['-f', '-c', conf, '-s', socket, '-P', join(dir, 'bird.pid')], { reject: false });
  try {
    const control = birdControl(socket);
    for (let i = 0; i < 50 && !(await control.command('show status', 1000)).ok; i++) await new Promise((r) => setTimeout(r, 100));
    const viaSocket: number[] = [];
    const viaBirdc: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      viaSocket.push(await timed(async () => {
        const refused = await birdConfigure(control);
        if (refused) throw new Error(refused);
      }));
      viaBirdc.push(await timed(async () => {
        const r = await processRunner('birdc', ['-s', socket, 'configure']);
        if (r.exitCode !== 0 || !BIRD_CONFIGURE_ACCEPTED.test(r.stdout)) throw new Error(`birdc: ${r.stdout} ${r.stderr}`);
      }));
    }
    const rss = Math.round(process.memoryUsage().rss / 1048576);
    console.log(`${RUNS} configures each, this process ${rss} MB resident (ballast ${ballast.length} MB)`);
    console.log(`  control socket: ${fmt(viaSocket)}`);
    console.log(`  birdc:          ${fmt(viaBirdc)}`);
  } finally {
    bird.kill('SIGTERM');
    await bird;
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
