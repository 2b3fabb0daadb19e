// How problems come back: all at once, with the line they are on, sorted,
// and with the cross-checks of the sections that did parse.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, parseSiteText, type SiteIssue } from '../../site/index.js';
import { EXAMPLE_SITE } from '../helpers/site.js';

const EXAMPLE = readFileSync(EXAMPLE_SITE, 'utf8');

/** The example with each `[from, to]` replaced once; every `from` must occur. */
function exampleWith(...edits: [string, string][]): string {
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} is not in the example`);
    return text.replace(from, to);
  }, EXAMPLE);
}

function issuesOf(text: string): SiteIssue[] {
  const r = parseSiteText(text);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.issues;
}

const lines = (issues: SiteIssue[]): string[] => issues.map((i) => formatIssue(i));
const lineOf = (needle: string, text: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('parseSiteText', () => {
  it('accepts the example site', () => {
    expect(parseSiteText(EXAMPLE).ok).toBe(true);
  });

  it('reports five independent field errors at once', () => {
    const text = exampleWith(
      ['198.51.100.1, 198.51.100.2', '198.51.100.1, 198.51.100.300'],
      ['ports: [80, 8443]', 'ports: [80, 0]'],
      ['holdTime: 3s', 'holdTime: 3'],
      ['{ name: srv-2, address: 10.0.2.42, port: 8080', '{ name: "srv 2", address: 10.0.2.42, port: 8080'],
      ['{ name: rr-1, role: reflector', '{ name: rr-1, role: mirror'],
    );
    expect(issuesOf(text)).toHaveLength(5);
  });

  it('points each issue at the line of the field it blames', () => {
    const text = exampleWith(['ports: [80, 8443]', 'ports: [80, 0]'], ['{ name: rr-1, role: reflector', '{ name: rr-1, role: mirror']);
    expect(lines(issuesOf(text))).toEqual([
      `line ${lineOf('ports: [80, 0]', text)}: services[1].ports[1]: expected a port from 1 to 65535, got 0`,
      `line ${lineOf('role: mirror', text)}: nodes[2].role: expected one of "router", "reflector", "l4", "l7", "backend", "dns", got "mirror"`,
    ]);
  });

  it('names the line of an unknown key', () => {
    const text = exampleWith(['  drainTime: 5s', '  drainTime: 5s\n  drain: 5s']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('  drain: 5s', text)}: bgp.drain: unknown key`]);
  });

  it('puts a missing field on the line of the mapping that lacks it', () => {
    const text = exampleWith(['  asn: 64512\n', '']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('bgp:', text)}: bgp.asn: missing: expected number`]);
  });

  it('sorts issues by line, then by path', () => {
    const text = exampleWith(
      ['{ name: l4-3, role: l4, addresses: { ipv4: 10.0.0.23, ipv6: "fd00::23" }, peers: [rr-1, rr-2] }', '{ name: l4-3, role: l4, addresses: { ipv4: 10.0.0.23, ipv6: "fd00::23" }, peers: [rr-1, l4-3, rr-9] }'],
      ['holdTime: 3s', 'holdTime: 3sec'],
    );
    const found = issuesOf(text);
    expect(found.map((i) => i.line)).toEqual([...found.map((i) => i.line)].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(lines(found).map((l) => l.replace(/^line \d+: /, ''))).toEqual([
      'bgp.holdTime: expected a duration like "500ms", "3s", "2m" or "1h", got "3sec"',
      'nodes[6].peers[1]: expected another node: a node cannot peer with itself',
      'nodes[6].peers[2]: expected the name of a node, got "rr-9"',
    ]);
  });

  it('reports the cross-checks of sections that parsed next to the field errors of others', () => {
    const text = exampleWith(
      ['198.51.100.1, 198.51.100.2', '198.51.100.1, 198.51.100.300'],
      ['{ name: l4-1, role: l4, addresses: { ipv4: 10.0.0.21, ipv6: "fd00::21" }, peers: [rr-1, rr-2] }', '{ name: l4-1, role: l4, addresses: { ipv4: 10.0.0.21, ipv6: "fd00::21" }, peers: [rr-1, rr-9] }'],
      ['keepalive: 1s', 'keepalive: 2s'],
    );
    expect(lines(issuesOf(text))).toEqual([
      `line ${lineOf('keepalive: 2s', text)}: bgp.keepalive: expected whole seconds, at least 1s and at most a third of holdTime (3s), got 2s`,
      `line ${lineOf('198.51.100.300', text)}: services[0].vips[1]: expected an IPv4 or IPv6 address, got "198.51.100.300"`,
      `line ${lineOf('rr-9', text)}: nodes[4].peers[1]: expected the name of a node, got "rr-9"`,
    ]);
  });

  it('skips the cross-checks that read a section with a field error', () => {
    const text = exampleWith(
      ['{ name: rt-1, role: router, addresses: { ipv4: 10.0.0.1,', '{ name: rt-1, role: router, addresses: { ipv4: 10.0.0.1000,'],
      ['{ name: l4-1, role: l4, addresses: { ipv4: 10.0.0.21, ipv6: "fd00::21" }, peers: [rr-1, rr-2] }', '{ name: l4-1, role: l4, addresses: { ipv4: 10.0.0.21, ipv6: "fd00::21" }, peers: [rr-1, rr-9] }'],
    );
    expect(issuesOf(text).map((i) => i.message)).toEqual(['expected an IPv4 address, got "10.0.0.1000"']);
  });
});

describe('parseSiteText on text that is not valid YAML', () => {
  it('reports a syntax error with its line', () => {
    const text = 'site: example\nnodes:\n  - name: l4-1\n  role: l4\n';
    const found = issuesOf(text);
    expect(found[0]?.line).toBe(4);
    expect(formatIssue(found[0] as SiteIssue)).toMatch(/^line 4: \(file\): YAML: /);
  });

  it('refuses a key given twice in one mapping, on the line of the second', () => {
    const text = exampleWith(['  keepalive: 1s\n', '  keepalive: 1s\n  keepalive: 2s\n']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('keepalive: 2s', text)}: (file): YAML: Map keys must be unique`]);
  });

  it('refuses an empty file as a whole', () => {
    expect(lines(issuesOf(''))).toEqual(["line 1: (file): expected a mapping of the site's sections (site, bgp, services, pools, nodes), got an empty document"]);
  });
});

describe('issue messages', () => {
  it('report .inf as infinity, not as "got null"', () => {
    const text = exampleWith(['port: 8080, node: srv-1', 'port: .inf, node: srv-1']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('port: .inf', text)}: pools[0].servers[0].port: expected number, got .inf (infinity)`]);
  });

  it('report .nan as not a number', () => {
    const text = exampleWith(['weight: 50', 'weight: .nan']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('weight: .nan', text)}: pools[0].servers[3].weight: expected number, got .nan (not a number)`]);
  });

  it('refuse a custom YAML tag on the line and at the path of the tagged value', () => {
    const text = exampleWith(['site: example', 'site: !evil example']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('!evil', text)}: site: YAML: expected no tags but the core schema's (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq), got !evil`]);
  });

  it('refuse a !!binary value instead of reading it as a mapping of bytes', () => {
    const text = exampleWith(['    ports: [80]', '    ports: [!!binary AAAA]']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('!!binary', text)}: services[0].ports[0]: YAML: expected no tags but the core schema's (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq), got !!binary`]);
  });

  it('accept the core schema\'s own tags', () => {
    expect(parseSiteText(exampleWith(['site: example', 'site: !!str example'])).ok).toBe(true);
  });

  it('give a UTF-16 text (a NUL after every character) one short line instead of echoing it', () => {
    const utf16 = Buffer.from(EXAMPLE, 'utf16le').toString('utf8');
    expect(lines(issuesOf(utf16))).toEqual(['line 1: (file): expected UTF-8 text, got a NUL character (is the file UTF-16? save it as UTF-8)']);
  });

  it('quote an unknown key that holds a carriage return, so it cannot overwrite its own line', () => {
    const text = exampleWith(['  - name: web\n', '  - name: web\n    "sche\\rduler": mh\n']);
    expect(lines(issuesOf(text))).toEqual([`line ${lineOf('sche', text)}: services[0]["sche\\rduler"]: unknown key`]);
  });

  it('cut an unknown key of 100,000 characters to one readable line', () => {
    // An explicit key (`? key`): YAML itself refuses an implicit key over 1024 characters.
    const [line] = lines(issuesOf(`? ${'k'.repeat(100_000)}\n: 1\n${EXAMPLE}`));
    expect(line).toBe(`line 1: ["${'k'.repeat(60)}"… (100000 characters)]: unknown key`);
  });
});
