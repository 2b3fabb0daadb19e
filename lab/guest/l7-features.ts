// The L7 features a service can turn on, end to end, on the running lab by
// one live edit of every node's site (and the site put back after):
//   * TLS termination on the http service (web): a self-signed certificate
//     the step makes with openssl, written into every L7 node's /etc/lb/tls;
//     users get answers over https, then a renewed certificate written over
//     it is served without anything else changing (the agents' watch);
//   * PROXY protocol v2 to the servers of the tcp service (api): each server
//     answers with the user's address it read from the header;
//   * slow start: a server of web set down then up in its agent-check file
//     comes back in HAProxy's weights below its full weight, then at it;
//   * the L4 ramp: an L7 node set down then up in its agent-check file comes
//     back in an L4 node's IPVS weights at 25/50/75 before 100.
// Every wait is bounded, and the files are put back whatever happens. Run
// alone: `npm run lab -- --only l7-features`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { canonicalIpv6, nodesWithRole, type Service } from '../../site/index.js';
import { familyOfText } from '../addr.js';
import { blocked, type Check } from './bringup.js';
import { progress, run, sleep, until, withSiteText, type LabEnv } from './env.js';
import { readNodeSite, writeEveryNodeSite } from './node-site.js';
import { haproxyServers, ipvsTable, request, type Answer, type Request } from './observe.js';
import { withServiceSetting } from './site-edits.js';

/** Where the step's certificate lives inside each L7 node: /etc/lb is the one folder of a node the lab writes from outside. */
const CERT_IN_NODE = '/etc/lb/tls/www.pem';
/** An edit of every node's site reaches every L7 node's HAProxy within this, in the busy one-CPU lab kernel. */
const EDIT_MS = 90_000;
const SLOW_START = '20s';
const RAMP_UP = '30s';
/** How long a down in an agent-check file takes to show, at most: agent-check interval, L4 check interval × fall, a busy kernel. */
const DOWN_MS = 60_000;

const hostOf = (vip: string): string => (vip.includes(':') ? `[${vip}]` : vip);
const canonical = (a: string): string => (a.includes(':') ? canonicalIpv6(a) : a);

interface Scene {
  readonly web: Service;
  /** The tcp service whose servers get PROXY protocol v2; a site without one skips that check. */
  readonly api?: Service;
  readonly l7: readonly string[];
  readonly l4: readonly string[];
  /** The server of web that goes down and up, and its backend node. */
  readonly server: { readonly name: string; readonly node: string; readonly weight: number };
}

function sceneOf(env: LabEnv): Scene | undefined {
  const web = env.site.services.find((s) => s.l7.mode === 'http' && ['roundrobin', 'leastconn'].includes(s.l7.balance));
  const api = env.site.services.find((s) => s.l7.mode === 'tcp');
  const pool = env.site.pools.find((p) => p.name === web?.pool);
  const server = pool?.servers.find((s) => s.node !== undefined && s.weight > 1);
  if (!web || !server?.node) return undefined;
  return {
    web, ...(api ? { api } : {}), l7: [...web.l7.nodes].map(String), l4: nodesWithRole(env.site, 'l4').map((n) => n.name),
    server: { name: server.name, node: server.node, weight: server.weight },
  };
}

// ---- Files written into the nodes from outside (no process start) ----

const etcLb = (env: LabEnv, node: string, file: string): string => `${env.stateDir}/nodes/${node}/etc-lb/${file}`;

function writeIntoNode(env: LabEnv, node: string, file: string, text: string): void {
  const path = etcLb(env, node, file);
  mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
}

/** A self-signed certificate and its key as one PEM (HAProxy's crt), made by openssl in the lab's state folder. */
async function makeCertificate(env: LabEnv, tag: string): Promise<string> {
  const base = `${env.stateDir}/l7-features-${tag}`;
  const r = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=www.example.org/O=tierlb lab ${tag}`, '-keyout', `${base}.key`, '-out', `${base}.crt`], 60_000);
  if (r.code !== 0) throw new Error(`openssl req -x509: exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`);
  return readFileSync(`${base}.crt`, 'utf8') + readFileSync(`${base}.key`, 'utf8');
}

/** The SHA-256 fingerprint of the certificate in `pem`, as node's TLS reports it (AA:BB:…). */
async function fingerprintOf(env: LabEnv, pem: string, tag: string): Promise<string> {
  const file = `${env.stateDir}/l7-features-${tag}.pem`;
  writeFileSync(file, pem);
  const r = await run('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256'], 30_000);
  const m = /Fingerprint=([0-9A-F:]+)/i.exec(r.stdout);
  if (!m?.[1]) throw new Error(`openssl x509 -fingerprint: ${r.stderr.trim().slice(0, 200)}`);
  return m[1].toUpperCase();
}

// ---- Requests from the users ----

function requestsTo(env: LabEnv, service: Service, scheme: 'http' | 'https', perFamily: number): Request[] {
  return (['ipv4', 'ipv6'] as const).flatMap((family) => {
    const vips = service.vips.filter((v) => familyOfText(v) === family);
    return env.topology.clients[family].slice(0, perFamily).flatMap((local, i) => {
      const vip = vips[i % Math.max(1, vips.length)];
      const port = service.ports[i % service.ports.length];
      return vip === undefined || port === undefined ? [] : [{ url: `${scheme}://${hostOf(vip)}:${port}/`, local }];
    });
  });
}

const allServedWith = (answers: readonly Answer[], cert: string): boolean =>
  answers.length > 0 && answers.every((a) => a.ok && a.cert?.toUpperCase() === cert);

/** The answers whose server did not name the user's own address as the PROXY header's source. */
export function proxyMismatches(answers: readonly Answer[]): string[] {
  return answers.flatMap((a) => {
    const got = /\bproxy=(\S+)/.exec(a.body ?? '')?.[1];
    return a.ok && got !== undefined && got !== 'local' && canonical(got) === canonical(a.local) ? [] : [`${a.local}: ${a.error ?? a.body ?? a.status}`];
  });
}

// ---- Weights as the daemons show them ----

async function haproxyWeight(env: LabEnv, l7: string, backend: string, server: string): Promise<{ status: string; weight: number } | undefined> {
  const row = (await haproxyServers(env, l7))?.find((s) => s.backend === backend && s.server === server);
  return row ? { status: row.status, weight: row.weight } : undefined;
}

/** The IPVS weight `l4` gives `l7` on the first IPv4 VIP and port of `service`. */
async function ipvsWeight(env: LabEnv, l4: string, service: Service, l7: string): Promise<number | undefined> {
  const vip = service.vips.find((v) => familyOfText(v) === 'ipv4');
  const address = env.site.nodes.find((n) => n.name === l7)?.addresses.ipv4;
  const svc = (await ipvsTable(env, l4))?.find((s) => s.vip === vip && s.port === Number(service.ports[0]));
  return svc?.destinations.find((d) => d.address === address)?.weight;
}

/** Samples `read` every `everyMs` for `ms`; the distinct values in the order they came. */
async function samples(ms: number, everyMs: number, read: () => Promise<number | undefined>): Promise<number[]> {
  const seen: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await read();
    if (v !== undefined && seen.at(-1) !== v) seen.push(v);
    await sleep(everyMs);
  }
  return seen;
}

/**
 * Between 0 and full (both exclusive) at least once, never falling from the
 * first such weight on, and full at the end. What comes before that first
 * weight does not count: HAProxy shows a DOWN server at its full weight, so a
 * ramp read there starts 100 → 7 → 13 ….
 */
export function rampedUp(seen: readonly number[], full: number): boolean {
  const from = seen.findIndex((w) => w > 0 && w < full);
  if (from < 0) return false;
  const rising = seen.slice(from);
  return rising.at(-1) === full && rising.every((w, i) => i === 0 || w >= (rising[i - 1] ?? 0));
}

// ---- The step ----

export async function l7Features(env: LabEnv, up: Set<string>): Promise<Check[]> {
  const name = 'L7 features: TLS, certificate renewal, PROXY protocol v2, slow start, L4 ramp';
  const scene = sceneOf(env);
  if (!scene) return [{ name, ok: false, detail: 'the lab site has no http service under roundrobin or leastconn with a server on a backend node' }];
  const b = blocked(name, [...scene.l7, ...scene.l4, scene.server.node], up);
  if (b) return [b];
  const original = readNodeSite(env, scene.l7[0] ?? '');
  const checks: Check[] = [];
  try {
    progress(env, 'L7 features: TLS on web, PROXY protocol v2 on api, slow start and L4 ramp on web (live edit of every node\'s site)');
    const pemA = await makeCertificate(env, 'a');
    const certA = await fingerprintOf(env, pemA, 'a');
    for (const n of scene.l7) writeIntoNode(env, n, 'tls/www.pem', pemA);
    let text = withServiceSetting(original, scene.web.name, ['l7', 'tls'], { certificates: [CERT_IN_NODE] });
    text = withServiceSetting(text, scene.web.name, ['l7', 'slowStart'], SLOW_START);
    text = withServiceSetting(text, scene.web.name, ['l4', 'rampUp'], RAMP_UP);
    if (scene.api) text = withServiceSetting(text, scene.api.name, ['l7', 'proxyProtocol'], 'v2');
    const edited = withSiteText(env, text);
    writeEveryNodeSite(env, text);
    checks.push(await tlsServed(edited, scene, certA));
    if (scene.api) checks.push(await proxyProtocol(edited, scene.api));
    else progress(env, '  no tcp service in this site: PROXY protocol v2 not checked');
    checks.push(await certificateRenewed(edited, scene));
    checks.push(await slowStart(edited, scene));
    // With one L7 node the depool threshold keeps it at full weight while it is down: nothing to ramp.
    if (scene.l7.length >= 2) checks.push(await l4Ramp(edited, scene));
    else progress(env, '  one L7 node in this site: the L4 ramp not checked');
  } catch (e) {
    checks.push({ name, ok: false, detail: (e as Error).message });
  } finally {
    writeIntoNode(env, scene.server.node, 'agent-check', 'up\n');
    for (const n of scene.l7) writeIntoNode(env, n, 'agent-check', 'up\n');
    writeEveryNodeSite(env, original);
    progress(env, '  every node\'s site file and agent-check file put back');
  }
  return checks;
}

async function tlsServed(env: LabEnv, scene: Scene, cert: string): Promise<Check> {
  const name = `https to ${scene.web.name} on every L7 node with the certificate written into /etc/lb/tls`;
  const got = await until(EDIT_MS, async () => {
    const answers = await request(env, requestsTo(env, scene.web, 'https', 6));
    return allServedWith(answers, cert) ? answers : undefined;
  }, 2000);
  progress(env, `  ${name}: ${got.value ? `${got.value.length} answers over TLS ${(got.ms / 1000).toFixed(1)} s after the edit` : 'not within the bound'}`);
  return { name, ok: got.value !== undefined, detail: got.value ? `${got.value.length} answered with certificate ${cert.slice(0, 17)}…, ${(got.ms / 1000).toFixed(1)} s after the edit` : `not every answer over TLS with that certificate after ${EDIT_MS / 1000} s`, ms: got.ms };
}

async function proxyProtocol(env: LabEnv, api: Service): Promise<Check> {
  const name = `servers of ${api.name} read each user's address from a PROXY protocol v2 header`;
  // The edit reached every HAProxy before the TLS check passed; a server still answering without the header is a failure.
  const answers = await request(env, requestsTo(env, api, 'http', 6));
  const wrong = proxyMismatches(answers);
  progress(env, `  ${name}: ${answers.length - wrong.length}/${answers.length}${wrong[0] ? ` (first wrong: ${wrong[0]})` : ''}`);
  return { name, ok: answers.length > 0 && wrong.length === 0, detail: `${answers.length - wrong.length}/${answers.length} named the user${wrong[0] ? `; first wrong: ${wrong[0].slice(0, 120)}` : ''}` };
}

async function certificateRenewed(env: LabEnv, scene: Scene): Promise<Check> {
  const name = 'a renewed certificate written over the old one is served, by the agents\' watch alone';
  const pemB = await makeCertificate(env, 'b');
  const certB = await fingerprintOf(env, pemB, 'b');
  const started = Date.now();
  for (const n of scene.l7) writeIntoNode(env, n, 'tls/www.pem', pemB);
  const got = await until(EDIT_MS, async () => {
    const answers = await request(env, requestsTo(env, scene.web, 'https', 6));
    return allServedWith(answers, certB) ? answers : undefined;
  }, 1000);
  const ms = Date.now() - started;
  progress(env, `  ${name}: ${got.value ? `${(ms / 1000).toFixed(1)} s after the write` : 'not within the bound'}`);
  return { name, ok: got.value !== undefined, detail: got.value ? `every answer with ${certB.slice(0, 17)}… ${(ms / 1000).toFixed(1)} s after the write` : `the old certificate still served after ${EDIT_MS / 1000} s`, ms };
}

async function slowStart(env: LabEnv, scene: Scene): Promise<Check> {
  const { server } = scene;
  const l7 = scene.l7[0] ?? '';
  const backend = `be_${scene.web.name}`;
  const name = `${server.name} back from down ramps up in HAProxy's weights on ${l7} (slowStart ${SLOW_START})`;
  writeIntoNode(env, server.node, 'agent-check', 'down\n');
  const down = await until(DOWN_MS, async () => ((await haproxyWeight(env, l7, backend, server.name))?.status.startsWith('DOWN') ? true : undefined));
  if (!down.value) return { name, ok: false, detail: `${server.name} not DOWN in ${l7}'s HAProxy ${DOWN_MS / 1000} s after down in its agent-check` };
  writeIntoNode(env, server.node, 'agent-check', 'up\n');
  const seen = await samples(30_000, 500, async () => (await haproxyWeight(env, l7, backend, server.name))?.weight);
  const ok = rampedUp(seen, server.weight);
  progress(env, `  ${name}: weights seen ${seen.join(' → ')}`);
  return { name, ok, detail: `weights seen ${seen.join(' → ')} (full ${server.weight})` };
}

async function l4Ramp(env: LabEnv, scene: Scene): Promise<Check> {
  const l7 = scene.l7[1] ?? '';
  const l4 = scene.l4[0] ?? '';
  const name = `${l7} back from down ramps up in ${l4}'s IPVS weights (rampUp ${RAMP_UP})`;
  writeIntoNode(env, l7, 'agent-check', 'down\n');
  const down = await until(DOWN_MS, async () => ((await ipvsWeight(env, l4, scene.web, l7)) === 0 ? true : undefined), 1000);
  if (!down.value) return { name, ok: false, detail: `${l7} not at weight 0 on ${l4} ${DOWN_MS / 1000} s after down in its agent-check` };
  writeIntoNode(env, l7, 'agent-check', 'up\n');
  // ipvsadm is a process start (over a second in the lab kernel): a sample every 2 s still sees each 10 s step.
  const seen = await samples(60_000, 2000, () => ipvsWeight(env, l4, scene.web, l7));
  const ok = rampedUp(seen, 100);
  progress(env, `  ${name}: weights seen ${seen.join(' → ')}`);
  return { name, ok, detail: `weights seen ${seen.join(' → ')}` };
}
