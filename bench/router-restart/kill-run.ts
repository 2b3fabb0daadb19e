// One measured kill of the router's BIRD: SIGKILL, then the VIP's kernel
// route sampled every few ms and BIRD's status every 250 ms until the window
// ends, with `ip monitor route` beside them to count the route's changes
// (a deletion shorter than the sampling interval shows there).
import { parseRouteEvents } from '../../lab/guest/route-events.js';
import { execa } from 'execa';
import type { RouterLab } from './lab.js';
import { runOutage, type RouteSample, type RunOutage } from './outage.js';

export interface KillRun extends RunOutage {
  /** ms after the kill: BIRD answered again; its graceful-restart recovery was over (null: not within the window). */
  readonly answeredAt: number | null;
  readonly recoveredAt: number | null;
  /** Changes and deletions of the VIP's kernel route the monitor saw in the window. */
  readonly routeChanges: number;
  readonly routeDeletions: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STATUS_EVERY_MS = 250;

export async function measureKill(lab: RouterLab, opts: { readonly windowMs: number; readonly intervalMs: number }): Promise<KillRun> {
  const pid = lab.birdPid();
  if (pid === undefined) throw new Error('BIRD is not running before the kill');
  const monitor = execa('ip', ['-n', lab.netns, '-ts', 'monitor', 'route'], { reject: false, buffer: true });
  await sleep(200);
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  const end = t0 + opts.windowMs;
  const samples: RouteSample[] = [];
  const routes = (async () => {
    while (performance.now() < end) {
      const before = performance.now();
      const hops = await lab.hops();
      samples.push({ at: (before + performance.now()) / 2 - t0, hops });
      await sleep(opts.intervalMs);
    }
  })();
  let answeredAt: number | null = null;
  let recoveredAt: number | null = null;
  const status = (async () => {
    while (performance.now() < end && recoveredAt === null) {
      const r = lab.birdPid() !== pid ? await lab.recovering() : undefined;
      const at = performance.now() - t0;
      if (r !== undefined) answeredAt ??= at;
      if (r === false) recoveredAt = at;
      await sleep(STATUS_EVERY_MS);
    }
  })();
  await Promise.all([routes, status]);
  monitor.kill('SIGTERM');
  const events = parseRouteEvents(String((await monitor).stdout)).filter((e) => e.dst === lab.vip);
  return { ...runOutage(samples, 2), answeredAt, recoveredAt, routeChanges: events.length, routeDeletions: events.filter((e) => e.deleted).length };
}
