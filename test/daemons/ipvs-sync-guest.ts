// Runs inside the user-mode-linux kernel, in one L4 node's network
// namespace (see ipvs-sync-uml.test.ts): the connection-sync applier over the
// native addon, on a site whose l4.connectionSync is argv[4] (JSON), and
// what the kernel then shows. Writes <label>.json to the shared folder
// argv[2]. `edits` applies a list of settings in turn, one result each.
// Not a test file itself: it needs IPVS.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionSyncApplier } from '../../agent/roles/l4/connection-sync-applier.js';
import { createLogger } from '../../agent/observe/log.js';
import { procSyncCounters } from '../../agent/drivers/ipvs/sync-counters.js';
import { netlinkSyncDaemonPort } from '../../agent/drivers/ipvs/sync-daemon-port.js';
import { planConnectionSync } from '../../tiers/l4/connection-sync.js';
import { exampleValue, nodeOf, siteOf } from '../helpers/site.js';

export interface SyncGuestResult {
  readonly settings: unknown;
  readonly result: string;
  readonly status: string;
  readonly counted: string[];
  readonly daemons: unknown;
  readonly origins: unknown;
  readonly drops: number | 'none' | undefined;
}

const [command = '', share = '.', label = 'out', json = '[]'] = process.argv.slice(2);
const chosen = netlinkSyncDaemonPort();
if ('why' in chosen) throw new Error(chosen.why);
const port = chosen.port;
const counted: string[] = [];
const applier = new ConnectionSyncApplier(port, createLogger('guest', 'silent'), {
  changed: (state, action) => counted.push(`${action} ${state}`),
  failed: (what) => counted.push(`failed ${what}`),
});

async function applyOne(settings: Record<string, unknown>): Promise<SyncGuestResult> {
  counted.length = 0;
  const value = exampleValue();
  value.l4 = { connectionSync: settings };
  const site = siteOf(value);
  const plan = planConnectionSync(site, nodeOf(site, 'l4-1'));
  const result = await applier.apply(plan);
  const backup = plan.daemons.find((d) => d.state === 'backup');
  return {
    settings, result, status: applier.status(plan), counted: [...counted], daemons: await port.list(),
    origins: await procSyncCounters.origins(),
    drops: backup ? await procSyncCounters.backupDrops(backup.group, backup.port) ?? 'none' : undefined,
  };
}

const all = JSON.parse(json) as Record<string, unknown>[];
const results: SyncGuestResult[] = [];
if (command === 'counters') results.push({ settings: null, result: '', status: '', counted: [], daemons: await port.list(), origins: await procSyncCounters.origins(), drops: await procSyncCounters.backupDrops('224.0.0.81', 8848) ?? 'none' });
else for (const settings of all) results.push(await applyOne(settings));
writeFileSync(join(share, `${label}.json`), JSON.stringify(results, null, 1));
