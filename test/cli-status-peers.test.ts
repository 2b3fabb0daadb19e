import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maglevServiceStatus } from '../tiers/l4/agreement/index.js';
import { parseIpvsList } from '../tiers/l4/kernel.js';
import { runCli } from './helpers/cli.js';

/** A status report of an L4 node whose kernel added the L7 nodes in `order` (last octets, oldest first). */
function report(node: string, order: readonly number[]): unknown {
  const lines = [...order].reverse().map((o) => `  -> 10.0.1.${o}:80                 Tunnel  100    0          0`);
  const kernel = parseIpvsList(['TCP  198.51.100.1:80 mh (mh-fallback)', ...lines].join('\n'));
  return {
    node, role: 'l4', site: 'example', maintenance: [], daemons: [],
    services: [{ name: 'web', vips: [], realServers: [], maglev: maglevServiceStatus(kernel) }],
  };
}

const servers: Server[] = [];
const urls: Record<string, string> = {};

async function serve(name: string, body: string): Promise<void> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  await serve('l4-1', JSON.stringify(report('l4-1', [31, 32, 33, 34])));
  await serve('same', JSON.stringify(report('l4-2', [31, 32, 33, 34])));
  await serve('reordered', JSON.stringify(report('l4-3', [31, 33, 34, 32])));
  await serve('malformed', JSON.stringify({ services: [{ name: 'web', maglev: { tables: 'x' } }] }));
  await serve('garbage', 'not json');
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('tierlb status --peers', () => {
  it('prints this node\'s maglev digest and flags a peer whose table differs by order, with the differing slots', async () => {
    const r = await runCli(['status', '--url', urls['l4-1'] ?? '', '--peers', [urls.same, urls.reordered].join(',')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^service web {2}maglev [0-9a-f]{12}$/m);
    expect(r.stdout).toContain(`  ${urls.same} web: agree\n`);
    expect(r.stdout).toContain(`  ${urls.reordered} web: DIFFER, up to 6 of 4093 slots differ (tcp 198.51.100.1:80)`);
  });

  it('treats a malformed, unparsable or unreachable peer as unknown and carries on', async () => {
    const r = await runCli(['status', '--url', urls['l4-1'] ?? '', '--peers', [urls.malformed, urls.garbage, 'http://127.0.0.1:9'].join(',')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`  ${urls.malformed} web: unknown, peer: no maglev tables in the report\n`);
    expect(r.stdout).toMatch(new RegExp(`  ${urls.garbage}: unknown, cannot read its status: .+\\n`));
    expect(r.stdout).toMatch(/ {2}http:\/\/127\.0\.0\.1:9: unknown, cannot read its status: .+/);
  });

  it('adds the comparison to the JSON report', async () => {
    const r = await runCli(['status', '--url', urls['l4-1'] ?? '', '--json', '--peers', urls.reordered ?? '']);
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { peers: { services: { verdict: string; slots: number }[] }[] };
    expect(json.peers[0]?.services[0]).toMatchObject({ verdict: 'differ', slots: 6 });
  });

  it('refuses a peer that is no URL with exit code 2 and one line', async () => {
    const r = await runCli(['status', '--url', urls['l4-1'] ?? '', '--peers', 'l4-2']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('tierlb: --peers: expected URL,URL (http://HOST:PORT), got "l4-2"');
  });
});
