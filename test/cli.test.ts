import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { EXAMPLE_SITE } from './helpers/site.js';

function brokenSite(): string {
  const text = readFileSync(EXAMPLE_SITE, 'utf8')
    .replace('198.51.100.1, 198.51.100.2', '198.51.100.300, 198.51.100.2')
    .replace('port: 8080, node: srv-2', 'port: 70000, node: srv-2');
  const file = join(mkdtempSync(join(tmpdir(), 'tierlb-cli-')), 'broken.yaml');
  writeFileSync(file, text);
  return file;
}

describe('tierlb validate', () => {
  it('accepts the example site and says what it holds', async () => {
    const r = await runCli(['validate', EXAMPLE_SITE]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/valid site "example": 2 service\(s\), 16 node\(s\)/);
  });

  it('refuses a broken file with exit code 1 and lists every error with path and line', async () => {
    const r = await runCli(['validate', brokenSite()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/line \d+: services\[0\]\.vips\[0\]: expected an IPv4 or IPv6 address, got "198\.51\.100\.300"/);
    expect(r.stderr).toMatch(/line \d+: pools\[0\]\.servers\[1\]\.port: expected a port from 1 to 65535, got 70000/);
    expect(r.stderr).toMatch(/2 error\(s\); nothing was changed/);
  });

  it('exits 2 when the file cannot be read', async () => {
    const r = await runCli(['validate', '/nonexistent/site.yaml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/site\.yaml/);
  });
});

describe('tierlb render', () => {
  it('names the nodes it knows when asked for an unknown one', async () => {
    const r = await runCli(['render', EXAMPLE_SITE, '--node', 'nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--node: expected one of rt-1, rt-2, .*dns-1, got "nope"/);
  });

  it('prints every file of an l7 node with its daemon', async () => {
    const r = await runCli(['render', EXAMPLE_SITE, '--node', 'l7-1']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^==> haproxy\.cfg \(haproxy\) <==$/m);
    expect(r.stdout).toMatch(/^==> netops\.sh \(kernel\) <==$/m);
  });

  it('writes the files of an l4 node under --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-render-'));
    const r = await runCli(['render', EXAMPLE_SITE, '--node', 'l4-1', '--out', dir]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, 'ipvs.rules'))).toBe(true);
    expect(existsSync(join(dir, 'gobgpd.toml'))).toBe(true);
  });

  it('renders the same bytes twice', async () => {
    const [a, b] = await Promise.all([runCli(['render', EXAMPLE_SITE, '--node', 'rt-1']), runCli(['render', EXAMPLE_SITE, '--node', 'rt-1'])]);
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});
