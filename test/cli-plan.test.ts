import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './helpers/cli.js';
import { EXAMPLE_SITE } from './helpers/site.js';

/** One line on stderr, `tierlb: …`, and no stack trace. */
function expectOneLine(r: CliRun): void {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^tierlb: /);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

const L7_2 = '  - { name: l7-2, role: l7, addresses: { ipv4: 10.0.1.32, ipv6: "fd00:1::32" } }\n';
const L7_4 = '  - { name: l7-4, role: l7, addresses: { ipv4: 10.0.1.34, ipv6: "fd00:1::34" } }\n';
const L7_5 = '  - { name: l7-5, role: l7, addresses: { ipv4: 10.0.1.35, ipv6: "fd00:1::35" } }\n';

const files: Record<string, string> = {};

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-plan-'));
  const site = readFileSync(EXAMPLE_SITE, 'utf8');
  const variants = {
    append: site.replace(L7_4, L7_4 + L7_5),
    insert: site.replace(L7_2, L7_5 + L7_2),
    remove: site.replace(L7_2, ''),
    invalid: site.replace('ports: [80]', 'ports: [80, 70000]'),
  };
  for (const [name, text] of Object.entries(variants)) {
    expect(text, name).not.toBe(site);
    files[name] = join(dir, `${name}.yaml`);
    writeFileSync(files[name], text);
  }
});

const plan = (name: string, ...args: string[]): Promise<CliRun> => runCli(['plan', EXAMPLE_SITE, files[name] ?? name, ...args]);

describe('tierlb plan', () => {
  it('shows an appended L7 node added last on the L4 nodes, moving about a fifth of the slots', async () => {
    const r = await plan('append');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^web IPv4 port 80 \(198\.51\.100\.1, 198\.51\.100\.2\):\n {2}joins: l7-5 \(10\.0\.1\.35\)\n {2}L4 kernel list \(oldest first\): l7-1, l7-2, l7-3, l7-4, l7-5\n {2}moved: 20\.4% of the slots \(835 of 4093\)\n/);
    expect(r.stdout).not.toMatch(/warning/);
  });

  it('warns about an inserted L7 node, with the figure of appending it instead', async () => {
    const r = await plan('insert');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('  L4 kernel list (oldest first): l7-1, l7-5, l7-2, l7-3, l7-4\n  moved: 20.4% of the slots (836 of 4093)\n');
    expect(r.stdout).toContain('  warning: the edit inserts or reorders L7 nodes; appending the new ones after the others (kernel list l7-1, l7-2, l7-3, l7-4, l7-5) would move 20.4% (835 slots) instead of 20.4% (836 slots)\n');
  });

  it('reports a removed L7 node at weight 0 first, then the slots it leaves, and exits 3 past --max-moved', async () => {
    const r = await plan('remove', '--max-moved', '25');
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('web IPv4 port 80 (198.51.100.1, 198.51.100.2):\n  leaves: l7-2 (10.0.1.32), first at weight 0 for up to 60 s\n');
    expect(r.stdout).toContain('  moved at the edit (leaving nodes at weight 0): 0.0% of the slots (0 of 4093)\n  moved once they have left: 28.9% of the slots (1183 of 4093)\n');
    expectOneLine(r);
    expect(r.stderr).toMatch(/^tierlb: 6 table\(s\) move more than --max-moved 25% of their slots: web IPv4 port 80 28\.9%, /);
  });

  it('exits 0 when every table stays within --max-moved', async () => {
    const r = await plan('append', '--max-moved', '21%');
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('refuses an invalid site file with exit code 1 and its issues as validate prints them', async () => {
    const r = await plan('invalid');
    const v = await runCli(['validate', files.invalid ?? '']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(v.stderr);
    expect(r.stderr).toMatch(/invalid, 1 error\(s\)/);
  });

  it('refuses a bad --max-moved and an unreadable file with exit code 2 and one line', async () => {
    const cases: [[string, ...string[]], RegExp][] = [
      [['append', '--max-moved', 'lots'], /--max-moved: expected a percentage from 0 to 100, got "lots"/],
      [['append', '--max-moved', '101'], /--max-moved: expected a percentage from 0 to 100, got "101"/],
      [['/nonexistent/site.yaml'], /cannot read \/nonexistent\/site\.yaml/],
    ];
    for (const [args, message] of cases) {
      const r = await plan(...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expectOneLine(r);
      expect(r.stderr).toMatch(message);
    }
  }, 60000);

  it('documents its exit codes in its help', async () => {
    const r = await runCli(['plan', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Exit codes: 0 done; 1 a site file is invalid[^]*3 some table moves more than --max-moved/);
  });
});
