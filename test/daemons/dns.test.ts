// gdnsd 3.8 judges what the DNS tier renders: `gdnsd -c DIR checkconf` reads
// DIR/config and every file of DIR/zones/, loads the plugins and maps every
// DYNA record to its resource. checkconf neither binds sockets nor opens the
// run, state or extfile paths, yet the site under test points the node's
// stateDir and runDir into the temp folder anyway, so that the same tree also
// runs as a real gdnsd (in a network namespace of its own) answering `dig`.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runChecker, writeTree } from '../helpers/checker.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { exampleValue, parseValue } from '../helpers/site.js';
import { nodeNamed, type Site, type SiteNode } from '../../site/index.js';
import { gdnsdPaths, renderDns, renderDnsState } from '../../tiers/dns/index.js';

type Raw = { nodes: { name: string; agent?: Record<string, string> }[] };

/** The example site whose dns-1 keeps its state and sockets under `dir`. */
function siteIn(dir: string): { site: Site; node: SiteNode } {
  const value = exampleValue() as unknown as Raw;
  for (const n of value.nodes) if (n.name === 'dns-1') n.agent = { stateDir: dir, runDir: join(dir, 'run') };
  const { site, issues } = parseValue(value);
  const node = site && nodeNamed(site, 'dns-1');
  if (!site || !node) throw new Error(JSON.stringify(issues));
  return { site, node };
}

/** gdnsd's config folder (`config`, `zones/`) with `edit` applied to the rendered files. */
function renderTree(site: Site, node: SiteNode, edit: (files: Record<string, string>) => void = () => undefined): string {
  const files: Record<string, string> = {};
  for (const f of renderDns(site, node).files) {
    if (f.name.startsWith('gdnsd/')) files[f.name.slice('gdnsd/'.length)] = f.content;
  }
  edit(files);
  return writeTree(files);
}

const checkconf = (dir: string) => runChecker('gdnsd', ['-c', dir, 'checkconf']);

describe('gdnsd checkconf', () => {
  it('accepts the config and zones rendered for dns-1', async () => {
    const { site, node } = siteIn(mkdtempSync(join(tmpdir(), 'tierlb-dns-state-')));
    const r = await checkconf(renderTree(site, node));
    expect(r.output).toContain('Loaded 1 zonefiles');
    expect(r.ok, r.output).toBe(true);
  });

  it('accepts the golden config and zone of dns-1 as saved', async () => {
    const golden = (name: string): string => readFileSync(join(GOLDEN_DIR, 'dns', 'dns-1', 'gdnsd', name), 'utf8');
    const r = await checkconf(writeTree({ config: golden('config'), 'zones/example.org': golden('zones/example.org') }));
    expect(r.ok, r.output).toBe(true);
  });

  it('rejects a zone whose DYNA record names a resource the config lacks', async () => {
    const { site, node } = siteIn(mkdtempSync(join(tmpdir(), 'tierlb-dns-state-')));
    const dir = renderTree(site, node, (files) => {
      files['zones/example.org'] += 'shop 30 DYNA multifo!shop.example.org\n';
    });
    const r = await checkconf(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toContain("rejected resource name 'shop.example.org'");
  });

  it('rejects a zone with a syntax error', async () => {
    const { site, node } = siteIn(mkdtempSync(join(tmpdir(), 'tierlb-dns-state-')));
    const dir = renderTree(site, node, (files) => {
      files['zones/example.org'] += 'broken A 192.0.2\n';
    });
    const r = await checkconf(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('Zonefile parse error');
  });

  it('rejects a config whose extfile service type has an unknown option', async () => {
    const { site, node } = siteIn(mkdtempSync(join(tmpdir(), 'tierlb-dns-state-')));
    const dir = renderTree(site, node, (files) => {
      files.config = (files.config ?? '').replace('direct => true', 'direct => true\n    directly => true');
    });
    const r = await checkconf(dir);
    expect(r.ok).toBe(false);
    expect(r.output).toContain("bad option 'directly'");
  });
});

/**
 * Runs gdnsd on dns-1's own addresses inside a fresh network namespace
 * (`unshare -n`: only a loopback, gone when the script ends), asks it for the
 * service names, replaces the VIP state file the way the agent does (rename
 * over it) and asks again once gdnsd has picked the change up.
 */
const LIVE_SCRIPT = String.raw`
set -eu
ip link set lo up
ip addr add 10.0.3.53/32 dev lo
ip -6 addr add fd00:3::53/128 dev lo nodad
gdnsd -c "$CONF" start >"$LOG" 2>&1 &
pid=$!
ask() { dig +short +time=1 +tries=1 "@$1" "$2" "$3" | sort | tr '\n' ' '; }
for i in $(seq 50); do [ -n "$(ask 10.0.3.53 ns1.example.org A)" ] && break; sleep 0.1; done
echo "before www A: $(ask 10.0.3.53 www.example.org A)"
echo "before api A: $(ask 10.0.3.53 api.example.org A)"
echo "before api AAAA: $(ask fd00:3::53 api.example.org AAAA)"
mv "$NEXT" "$STATE"
for i in $(seq 60); do [ "$(ask 10.0.3.53 api.example.org A)" = "198.51.100.4 " ] && break; sleep 0.1; done
echo "after www A: $(ask 10.0.3.53 www.example.org A)"
echo "after api A: $(ask 10.0.3.53 api.example.org A)"
echo "after api AAAA: $(ask fd00:3::53 api.example.org AAAA)"
kill "$pid"
wait "$pid" || true
`;

describe('gdnsd serving the rendered tree', () => {
  it('answers with the VIPs that are up and drops those the state file marks down', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tierlb-dns-state-'));
    const { site, node } = siteIn(stateDir);
    const conf = renderTree(site, node);
    const { stateFile: state, runDir } = gdnsdPaths(node);
    // gdnsd makes its own run_dir but not the parents: the agent owns node.agent.runDir.
    mkdirSync(dirname(runDir), { recursive: true });
    mkdirSync(dirname(state), { recursive: true });
    writeFileSync(state, renderDnsState(site, node, new Map()));
    const next = join(stateDir, 'next.state');
    const down = new Map([['198.51.100.1', false], ['198.51.100.3', false], ['2001:db8::c633:6403', false]]);
    writeFileSync(next, renderDnsState(site, node, down));
    const log = join(stateDir, 'gdnsd.log');
    const r = await execa('unshare', ['-n', 'bash', '-c', LIVE_SCRIPT], {
      env: { CONF: conf, STATE: state, NEXT: next, LOG: log }, reject: false, all: true, timeout: 30000,
    });
    expect(r.all?.split('\n'), `${r.all}\n(gdnsd log in ${log})`).toEqual([
      'before www A: 198.51.100.1 198.51.100.2 ',
      'before api A: 198.51.100.3 ',
      'before api AAAA: 2001:db8::c633:6403 ',
      'after www A: 198.51.100.2 ',
      'after api A: 198.51.100.4 ',
      'after api AAAA: 2001:db8::c633:6404 ',
    ]);
  });
});
