import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './helpers/cli.js';
import { EXAMPLE_SITE } from './helpers/site.js';

/** One line on stderr, `tierlb: …`, and no stack trace. */
function expectOneLine(r: CliRun): void {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^tierlb: /);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
}

const explain = (...args: string[]): Promise<CliRun> => runCli(['explain', ...args, '--site', EXAMPLE_SITE]);

describe('tierlb explain', () => {
  it('names the L7 node of a flow and where mh-fallback sends it when that node is drained', async () => {
    const r = await explain('192.0.2.7', '198.51.100.1:80');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      '192.0.2.7 -> 198.51.100.1:80 (service web, mh-fallback) on l4-1:',
      '  goes to l7-1 (10.0.1.31), slot 1589 of 4093',
      '  if l7-1 is drained: goes to l7-4 (10.0.1.34), by mh-fallback past slot 1589',
    ].join('\n'));
  });

  it('hashes the client port of an mh-port service, on the L4 node asked for', async () => {
    const r = await explain('192.0.2.7:40000', '198.51.100.3:8443', '--node', 'l4-2');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^192\.0\.2\.7:40000 -> 198\.51\.100\.3:8443 \(service api, mh-fallback,mh-port\) on l4-2:\n {2}goes to l7-3 \(10\.0\.1\.33\), slot 3607 of 4093\n/);
  });

  it('takes IPv6 clients and VIPs in brackets, in any spelling', async () => {
    const r = await explain('[2001:db8:9::1]:1024', '[2001:db8::198.51.100.1]:80');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[2001:db8:9::1\]:1024 \(port not hashed\) -> \[2001:db8::c633:6401\]:80 \(service web, mh-fallback\) on l4-1:\n {2}goes to l7-4 \(fd00:1::34\), slot 527 of 4093\n/);
  });

  it('refuses each bad argument with exit code 2 and one line', async () => {
    const cases: [string[], RegExp][] = [
      [['192.0.2.7', '198.51.100.9:80'], /VIP:PORT: 198\.51\.100\.9 is no VIP of site "example"/],
      [['192.0.2.7', '198.51.100.1:81'], /VIP:PORT: 198\.51\.100\.1 has no service on port 81; its ports are 80/],
      [['192.0.2.7', '198.51.100.1'], /VIP:PORT: expected a port after the address/],
      [['192.0.2.7:0', '198.51.100.1:80'], /SRC: expected a port from 1 to 65535, got 0/],
      [['192.0.2.300', '198.51.100.1:80'], /SRC: expected ADDRESS, IPV4:PORT or \[IPV6\]:PORT, got "192\.0\.2\.300"/],
      [['2001:db8::1', '198.51.100.1:80'], /SRC: expected an IPv4 client for 198\.51\.100\.1:80, got 2001:db8::1/],
      [['192.0.2.7', '198.51.100.3:80'], /SRC: 198\.51\.100\.3:80 hashes the client's port too \(mh-port\): give SRC as ADDRESS:PORT/],
      [['192.0.2.7', '198.51.100.1:80', '--node', 'l7-1'], /--node: expected an L4 node, one of l4-1, l4-2, l4-3, got "l7-1"/],
    ];
    for (const [args, message] of cases) {
      const r = await explain(...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expectOneLine(r);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  }, 120000);

  it('exits 2 when the site file cannot be read', async () => {
    const r = await runCli(['explain', '192.0.2.7', '198.51.100.1:80', '--site', '/nonexistent/site.yaml']);
    expect(r.exitCode).toBe(2);
    expectOneLine(r);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/site\.yaml/);
  });
});
