import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './helpers/cli.js';
import { EXAMPLE_SITE, REPO } from './helpers/site.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'tierlb-cli-'));

/** One line on stderr, `tierlb: …`, and no stack trace. */
function expectOneLine(r: CliRun): void {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^tierlb: /);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

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

describe('tierlb exit codes', () => {
  it('render --out under a regular file: exit 2 and one line, not a stack trace', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const r = await runCli(['render', EXAMPLE_SITE, '--node', 'l7-1', '--out', join(file, 'out')]);
    expect(r.exitCode).toBe(2);
    expectOneLine(r);
    expect(r.stderr).toMatch(/--out: cannot write .*a-file\/out\/haproxy\.cfg: ENOTDIR/);
  });

  it('render --out where mkdir fails although the parent exists (/proc): exit 2 at once, where Node\'s recursive mkdir spins forever', { timeout: 20000 }, async () => {
    const r = await runCli(['render', EXAMPLE_SITE, '--node', 'l7-1', '--out', '/proc/tierlb-out']);
    expect(r.exitCode).toBe(2);
    expectOneLine(r);
    expect(r.stderr).toContain("ENOENT: no such file or directory, mkdir '/proc/tierlb-out'");
  });

  it('agent --listen foo: exit 2 and one line naming the option', async () => {
    const r = await runCli(['agent', '--config', EXAMPLE_SITE, '--node', 'l7-1', '--listen', 'foo']);
    expect(r.exitCode).toBe(2);
    expectOneLine(r);
    expect(r.stderr).toContain('--listen: expected ADDRESS:PORT such as 127.0.0.1:9400 or [::1]:9400, got "foo"');
  });

  it('agent --listen with an address that is not one: exit 2 before anything starts', async () => {
    const r = await runCli(['agent', '--config', EXAMPLE_SITE, '--node', 'l7-1', '--listen', '999.1.1.1:9400']);
    expect(r.exitCode).toBe(2);
    expectOneLine(r);
    expect(r.stderr).toContain('listen: expected an IPv4 or IPv6 address, got "999.1.1.1"');
  });

  it('validate of a UTF-16 file: exit 1, like any invalid file, with one short line', async () => {
    const file = join(tempDir(), 'utf16.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(EXAMPLE_SITE, 'utf8'), 'utf16le')]));
    const r = await runCli(['validate', file]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')[1]).toBe('  line 1: (file): expected UTF-8 text, got UTF-16LE (the file starts with its byte-order mark); save it as UTF-8');
    expect(r.stderr.length).toBeLessThan(300);
  });

  it('validate of a FIFO: exit 2 at once, not a wait for a writer', { timeout: 20000 }, async () => {
    const fifo = join(tempDir(), 'site.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['validate', fifo]);
    expect(r.exitCode).toBe(2);
    expectOneLine(r);
    expect(r.stderr).toContain('expected a regular file, got a FIFO');
  });

  it('render into a pipe the reader closed early (`| true`): exit 0 and nothing on stderr, not an EPIPE stack trace', async () => {
    const main = join(REPO, 'cli', 'main.ts');
    const script = `node --import tsx ${main} render ${EXAMPLE_SITE} --node l7-1 2>"$ERR" | true; exit "\${PIPESTATUS[0]}"`;
    const err = join(tempDir(), 'stderr');
    const r = await execa('bash', ['-c', script], { reject: false, cwd: REPO, env: { ERR: err }, timeout: 60000 });
    expect(readFileSync(err, 'utf8')).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
