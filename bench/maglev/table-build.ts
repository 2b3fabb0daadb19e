// `tsx bench/maglev/table-build.ts`: how long the Maglev model takes to build
// the kernel's 4093-slot table for 50 real servers of mixed weights, and to
// schedule one flow with mh-fallback past a drained real server. One process,
// no daemons; prints the median and the fastest of many builds after warm-up.
import type { IpAddress } from '../../site/index.js';
import { buildMaglevTable, scheduleFlow, type MaglevService } from '../../tiers/l4/maglev/index.js';

const BUILDS = 2000;
const WARM_UP = 200;
const LOOKUPS = 100000;

const service: MaglevService = {
  family: 'ipv4',
  flags: ['mh-fallback', 'mh-port'],
  realServers: Array.from({ length: 50 }, (_, i) => ({
    address: `10.0.${Math.floor(i / 200)}.${(i % 200) + 10}` as IpAddress,
    port: 80,
    weight: i % 10 === 0 ? 0 : [100, 50, 200, 100, 75][i % 5] ?? 100,
    lastWeight: [100, 50, 200, 100, 75][i % 5] ?? 100,
  })),
};

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

for (let i = 0; i < WARM_UP; i++) buildMaglevTable(service);
const times: number[] = [];
for (let i = 0; i < BUILDS; i++) {
  const start = process.hrtime.bigint();
  buildMaglevTable(service);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const table = buildMaglevTable(service);
const start = process.hrtime.bigint();
let fellBack = 0;
for (let i = 0; i < LOOKUPS; i++) {
  const c = scheduleFlow(table, { client: `198.18.${(i >> 8) & 255}.${i & 255}` as IpAddress, port: 1024 + (i % 60000) });
  if (c.kind === 'scheduled' && c.fellBack) fellBack++;
}
const perLookup = Number(process.hrtime.bigint() - start) / 1e3 / LOOKUPS;
console.log(`table of 50 real servers: median ${median(times).toFixed(3)} ms, fastest ${Math.min(...times).toFixed(3)} ms over ${BUILDS} builds`);
console.log(`lookup: ${perLookup.toFixed(2)} µs per flow (${fellBack} of ${LOOKUPS} fell back past a drained real server)`);
