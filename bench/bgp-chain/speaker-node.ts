// One L4 node's BGP speaker as the agent runs it, for the BGP chain bench:
// started by the bench inside the node's network namespace (gobgpd's API
// listens on that namespace's loopback), it drives the agent's own Announcer
// and speaker driver (agent/roles/l4) with the site's rendered config, and
// takes the announced sets the bench sends on stdin (protocol.ts).
//   usage: speaker-node.ts --site FILE --node NAME --dir DIR
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createLogger } from '../../agent/observe/log.js';
import { createMetrics } from '../../agent/observe/metrics.js';
import { systemClock } from '../../agent/ports/clock.js';
import { Announcer } from '../../agent/roles/l4/announcer.js';
import { planSpeaker } from '../../agent/roles/l4/plan.js';
import { speakerDaemon } from '../../agent/roles/l4/speaker-daemon.js';
import { Supervisor, type DaemonEvent } from '../../agent/supervise/supervisor.js';
import { formatIssue, nodeNamed, overrideNode, parseSiteText, type Site, type SiteNode } from '../../site/index.js';
import { wallClock } from './clock.js';
import { readRequest, type SpeakerAnswer } from './protocol.js';


function siteAndNode(file: string, name: string, dir: string): { site: Site; node: SiteNode } {
  const parsed = parseSiteText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => formatIssue(i)).join('\n'));
  const o = overrideNode(parsed.site, name, { configDir: dir, runDir: dir, stateDir: dir });
  if (!o.ok) throw new Error(o.reason);
  const node = nodeNamed(o.value, name);
  if (node?.role !== 'l4') throw new Error(`expected an l4 node named ${name} in ${file}`);
  return { site: o.value, node };
}

/** The daemon's last lines, shown only if it exits: gobgpd logs every session change. */
function daemonEvents(name: string): (e: DaemonEvent) => void {
  const tail: string[] = [];
  return (e) => {
    if (e.kind === 'output' && tail.push(`${e.name}: ${e.line}`) > 20) tail.shift();
    if (e.kind === 'exited') process.stderr.write(`${name}: ${e.name} exited (code ${e.code}, signal ${e.signal}); its last lines:\n${tail.join('\n')}\n`);
  };
}

async function main(): Promise<number> {
  const { values: v } = parseArgs({ options: { site: { type: 'string' }, node: { type: 'string' }, dir: { type: 'string' } } });
  if (v.site === undefined || v.node === undefined || v.dir === undefined) throw new Error('usage: speaker-node.ts --site FILE --node NAME --dir DIR');
  const { site, node } = siteAndNode(v.site, v.node, v.dir);
  const log = createLogger(node.name, 'warn', process.stderr);
  const supervisor = new Supervisor(systemClock, daemonEvents(node.name));
  const announcer = new Announcer(speakerDaemon({ log, metrics: createMetrics(new Registry()), supervisor, clock: systemClock }), log, systemClock);
  const plan = planSpeaker(site, node);
  const answer = (a: SpeakerAnswer): void => { process.stdout.write(`${JSON.stringify(a)}\n`); };
  try {
    if (!(await announcer.configure(site, node, plan))) throw new Error(`${node.name}: the speaker refused its config: ${announcer.status().problem ?? 'no detail'}`);
    // One request at a time, as the agent's one writer calls its speaker.
    for await (const line of createInterface({ input: process.stdin })) {
      const request = readRequest(line);
      if (request === undefined) throw new Error(`expected a request, got ${JSON.stringify(line.slice(0, 200))}`);
      if (request.kind === 'stop') break;
      const began = wallClock();
      const error = await announcer.announce(site, node, plan, request.set);
      answer({ id: request.id, began, answered: wallClock(), ...(error !== undefined ? { error } : {}) });
    }
  } finally {
    await announcer.stop();
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`speaker node: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
