import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { REPO, loadSite } from '../test/helpers/site.js';
import { siteReports, type ReportOptions } from '../test/helpers/site-reports.js';
import { runCli } from './run.js';
import type { SiteView } from './site-view.js';
import { gatherReports, readEndpoint, statusSiteCommand } from './status-site.js';

/** What a node's fake agent does: answer a report, answer this text, or never answer. */
type Answer = { readonly json: unknown } | { readonly text: string } | 'hang';

const answers = new Map<string, Answer>();
const servers: Server[] = [];
let dir = '';
let config = '';

function answerHealthy(opts: ReportOptions = {}): void {
  const site = loadSite(join(REPO, 'lab', 'site-small.yaml'));
  for (const [name, report] of siteReports(site, opts)) answers.set(name, { json: report });
}

/** A fake agent on 127.0.0.1, port chosen by the kernel, answering what `answers` holds for its node. */
async function fakeAgent(node: string): Promise<number> {
  const server = createServer((_req, res) => {
    const a = answers.get(node);
    if (a === 'hang' || a === undefined) return;
    if ('text' in a) res.writeHead(200).end(a.text);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(a.json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** The CLI in-process, argv as a shell hands it over. */
async function tierlb(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(['node', 'tierlb', ...args], { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
  return { exitCode, stdout, stderr };
}

const run = (...args: string[]): ReturnType<typeof tierlb> => tierlb('status', '--site', '--config', config, ...args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tierlb-status-site-'));
  const doc = parseDocument(await readFile(join(REPO, 'lab', 'site-small.yaml'), 'utf8'));
  const value = doc.toJS() as { nodes: { name: string; agent?: unknown }[] };
  for (const n of value.nodes) n.agent = { listen: { address: '127.0.0.1', port: await fakeAgent(n.name) } };
  config = join(dir, 'site.yaml');
  await writeFile(config, JSON.stringify(value));
});

beforeEach(() => answerHealthy());

afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await rm(dir, { recursive: true, force: true });
});

describe('tierlb status --site', () => {
  it('exits 0 and says every promise holds when every agent reports a healthy site', async () => {
    const r = await run();
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^198\.51\.100\.1 {2}service web/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('2 VIPs, all promises hold');
  });

  it('exits 1 and names both L4 nodes when their Maglev tables disagree', async () => {
    answerHealthy({ reversedOn: ['l4-2'] });
    const r = await run();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('tierlb: 2 promise(s) broken\n');
    expect(r.stdout).toMatch(/^ {2}maglev {6}DIFFER: l4-1 \[[0-9a-f]{12}\] vs l4-2 \[[0-9a-f]{12}\], up to \d+ of 4093 slots differ$/m);
    expect(r.stdout).toContain('2 VIPs, 2 promise(s) broken:');
  });

  it('prints the view as JSON that parses, with the broken promises', async () => {
    answerHealthy({ reversedOn: ['l4-2'] });
    const r = await run('--json');
    expect(r.exitCode).toBe(1);
    const view = JSON.parse(r.stdout) as SiteView;
    expect(view.site).toBe('lab-small');
    expect(view.vips.map((v) => v.tables.verdict)).toEqual(['differ', 'differ']);
    expect(view.broken).toHaveLength(2);
  });

  it('exits 3 with a warning when a node cannot be read and nothing read is broken', async () => {
    answers.set('dns-1', { text: 'not json' });
    const r = await run();
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('tierlb: 1 node(s) could not be read (dns-1); no promise is broken among the others\n');
    expect(r.stdout).toMatch(/^ {2}dns-1 {2}http:\/\/127\.0\.0\.1:\d+\/status: not JSON: .+$/m);
    expect(r.stdout).toMatch(/^ {2}dns {9}dns-1 {2}unknown \(unreachable\)$/m);
  });

  it('exits 1, not 3, when a promise is broken and a node is unreachable too', async () => {
    answerHealthy({ reversedOn: ['l4-2'] });
    answers.set('rr-1', { text: 'not json' });
    expect((await run()).exitCode).toBe(1);
  });

  it('refuses --site without --config, or with --node, as a usage error', async () => {
    expect(await tierlb('status', '--site')).toEqual({ exitCode: 2, stdout: '', stderr: 'tierlb: status --site: give --config FILE\n' });
    const r = await run('--node', 'l4-1');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('tierlb: status --site reads every node of --config: leave out --node, --url and --peers\n');
  });
});

describe('reading the status endpoints', () => {
  it('reports a node that does not answer in time as unreachable, without holding the others', async () => {
    answers.set('l7-1', 'hang');
    let out = '';
    const quick = gatherReports((node) => readEndpoint(node, 200));
    await expect(statusSiteCommand({ config }, (t) => { out += t; }, quick)).rejects.toMatchObject({ exitCode: 3 });
    expect(out).toMatch(/^ {2}l7-1 {2}http:\/\/127\.0\.0\.1:\d+\/status: no answer within 0\.2 s$/m);
  });
});
