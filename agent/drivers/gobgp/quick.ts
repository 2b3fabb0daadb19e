// Moving traffic away from this node without delay. While the same gobgpd
// process runs, what it announces is exactly what the agent last gave it
// (the agent is its only writer), so a withdraw or a switch to the
// graceful-shutdown community needs only the changing `gobgp global rib`
// commands, not the two RIB reads the driver's set() starts with: each gobgp
// run costs hundreds of milliseconds on a busy one-CPU node, and every one is
// time routers keep sending flows here. Every other change goes through the
// driver's full set(), which reads the RIB and repairs whatever differs.
import type { Site, SiteNode } from '../../../site/index.js';
import { describeRun, type Runner } from '../../../tiers/common/runner.js';
import {
  diffAnnouncements, gobgpAnnounceArgs, gobgpWithdrawArgs, type Announcement, type SpeakerResult,
} from '../../../tiers/ecmp/index.js';
import { processRunner } from '../kernel/runner.js';

export type QuickChange = (from: readonly Announcement[], to: readonly Announcement[]) => Promise<SpeakerResult>;

export function gobgpQuickChange(site: Site, node: SiteNode, api: { host: string; port: number }, run: Runner = processRunner): QuickChange {
  const prefix = ['-u', api.host, '-p', String(api.port)];
  const gobgp = async (args: readonly string[] | undefined, what: string): Promise<string | undefined> => {
    if (!args) return `node ${node.name}: no address of the family of ${what}`;
    const r = await run('gobgp', [...prefix, ...args]);
    return r.exitCode === 0 ? undefined : describeRun('gobgp', [...prefix, ...args], r);
  };
  return async (from, to) => {
    const changes = diffAnnouncements(from, to);
    const steps = [
      ...changes.withdraw.map((vip) => ({ what: `withdraw ${vip}`, args: gobgpWithdrawArgs(vip) })),
      ...changes.announce.map((a) => ({
        what: a.gracefulShutdown ? `announce ${a.vip} graceful-shutdown` : `announce ${a.vip}`,
        args: gobgpAnnounceArgs(site, node, a.vip, { gracefulShutdown: a.gracefulShutdown }),
      })),
    ];
    const results = await Promise.all(steps.map(async (s) => ({ what: s.what, error: await gobgp(s.args, s.what) })));
    const errors = results.flatMap((r) => (r.error ? [r.error] : []));
    const changed = results.filter((r) => !r.error).map((r) => r.what);
    return errors.length === 0 ? { ok: true, changed } : { ok: false, error: errors.join('; '), changed };
  };
}
