// The agents' status reports as they published them in etcd
// (PREFIX/agents/NODE): the whole site from anywhere etcd answers. A report
// older than STALE_MS is the last word of an agent that stopped or lost etcd,
// and reads as unreachable, with its age.
import { agentDir, nameUnder } from '../fleet/keys.js';
import { connectEtcd, etcdErrorText } from '../agent/drivers/etcd/connect.js';
import { HEARTBEAT_MS } from '../agent/drivers/etcd/status-publisher.js';
import type { StatusReport } from '../agent/observe/status.js';
import type { EtcdSettings, Site } from '../site/index.js';
import type { SiteReport } from './site-view.js';

export const STALE_MS = 3 * HEARTBEAT_MS;
const READ_DEADLINE_MS = 5000;

/** Reads every report; throws with a one-line reason when etcd cannot be read. */
export async function etcdReports(site: Site, settings: EtcdSettings, now = Date.now()): Promise<Map<string, SiteReport>> {
  const client = await connectEtcd(settings);
  let timer: NodeJS.Timeout | undefined;
  // The client retries a member that does not answer; the view falls back to the endpoints well before a person gives up.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`etcd at ${settings.endpoints.join(', ')}: no answer within ${READ_DEADLINE_MS / 1000} s`)), READ_DEADLINE_MS);
  });
  try {
    const read = client.getAll().prefix(agentDir(settings.prefix)).exec().catch((err: unknown) => {
      throw new Error(`etcd at ${settings.endpoints.join(', ')}: ${etcdErrorText(err)}`);
    });
    const res = await Promise.race([read, deadline]);
    const published = new Map<string, string>();
    for (const kv of res.kvs) {
      const name = nameUnder(agentDir(settings.prefix), kv.key.toString());
      if (name !== undefined) published.set(name, kv.value.toString());
    }
    return new Map(site.nodes.map((n) => [n.name as string, readPublished(published.get(n.name), now)]));
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** One published value: parsed, dated, never trusted further than siteView trusts a report. */
export function readPublished(value: string | undefined, now: number): SiteReport {
  if (value === undefined) return { ok: false, why: 'no report in etcd: its agent never ran with this etcd section' };
  let json: { publishedAt?: unknown; report?: unknown };
  try {
    json = JSON.parse(value) as typeof json;
  } catch {
    return { ok: false, why: 'its report in etcd is not JSON' };
  }
  const at = typeof json.publishedAt === 'string' ? Date.parse(json.publishedAt) : NaN;
  if (Number.isNaN(at) || typeof json.report !== 'object' || json.report === null) return { ok: false, why: 'its report in etcd is not one an agent writes' };
  const age = Math.round((now - at) / 1000);
  if (now - at > STALE_MS) return { ok: false, why: `its last report in etcd is ${age} s old (${new Date(at).toISOString()}): the agent stopped or cannot reach etcd` };
  return { ok: true, report: json.report as StatusReport };
}
