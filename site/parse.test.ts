// Input no site file should be, each refused as issues: parseSiteText runs
// inside the agent, where a throw, a stack overflow or a minute of parsing
// would take the running site down with it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_SITE } from '../test/helpers/site.js';
import { formatIssue } from './errors.js';
import { SITE_FILE_MAX_BYTES } from './limits.js';
import { parseSiteText } from './parse.js';

const EXAMPLE = readFileSync(EXAMPLE_SITE, 'utf8');

/** The issues of `text`, formatted; a text that parses fails the test. */
function refusalOf(text: string): string[] {
  const r = parseSiteText(text);
  if (r.ok) throw new Error('expected the text to be refused, it parsed');
  return r.issues.map((i) => formatIssue(i));
}

const nested = (open: string, close: string, depth: number): string => `${open.repeat(depth)}${close.repeat(depth)}`;

describe('parseSiteText on exotic input', () => {
  it('refuses an alias bomb by the size it would expand to', () => {
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const [prev, name] of [...'abcdefghi'].map((c, i) => [c, 'bcdefghij'[i]])) levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    expect(refusalOf(levels.join('\n'))).toEqual(['line 1: (file): YAML: expected at most 1000000 values with aliases expanded, got 4412961516']);
  });

  it('refuses more than 1000 alias uses', () => {
    expect(refusalOf(`a: &v 1\nb: [${Array(1001).fill('*v').join(', ')}]`)).toEqual(['line 2: (file): YAML: expected at most 1000 aliases, got more']);
  });

  it('refuses an alias inside the node it names', () => {
    expect(refusalOf('a: &a { b: *a }')).toEqual(['line 1: (file): YAML: alias *a is inside the node it names, which would make it infinite']);
  });

  it('refuses an alias of an anchor that is not there', () => {
    expect(refusalOf('a: *nowhere')).toEqual(['line 1: (file): YAML: expected an anchor &nowhere before its alias, got none']);
  });

  it('refuses flow sequences nested half a million deep, in milliseconds', () => {
    const started = performance.now();
    expect(refusalOf(nested('[', ']', 500_000))).toEqual(['line 1: (file): YAML: expected at most 64 levels of nesting, got more']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses flow mappings nested thousands deep', () => {
    expect(refusalOf(nested('{a: ', '}', 10_000))).toEqual(['line 1: (file): YAML: expected at most 64 levels of nesting, got more']);
  });

  it('refuses block sequences nested thousands deep', () => {
    expect(refusalOf(`${'- '.repeat(10_000)}x`)).toEqual(['line 1: (file): YAML: expected at most 64 levels of nesting, got more']);
  });

  it('refuses text over the size limit before parsing it', () => {
    const text = `site: "${'x'.repeat(50 * 1024 * 1024)}"`;
    expect(refusalOf(text)).toEqual([`(file): expected at most ${SITE_FILE_MAX_BYTES} bytes (1 MiB), got ${text.length} characters`]);
  });

  it('cuts a long value quoted in an issue', () => {
    const text = EXAMPLE.replace('  speaker: gobgp ', `  speaker: ${'y'.repeat(10_000)} `);
    expect(refusalOf(text)).toEqual([expect.stringMatching(/^line 8: bgp\.speaker: expected one of "gobgp", "bird", got "y{199}… \(10002 characters\)$/)]);
  });

  it('refuses text with a lone surrogate, as decoding invalid UTF-8 leaves', () => {
    expect(refusalOf(EXAMPLE.replace('site: example', 'site: "ex\uD800"'))).toEqual(['line 4: (file): expected Unicode text, got a lone surrogate (text decoded from invalid UTF-8?)']);
  });

  it('accepts a byte order mark before the site', () => {
    expect(parseSiteText(`\uFEFF${EXAMPLE}`).ok).toBe(true);
  });

  it('refuses an empty text', () => {
    expect(refusalOf('')).toEqual(["line 1: (file): expected a mapping of the site's sections (site, bgp, services, pools, nodes), got an empty document"]);
  });

  it('refuses a list where the site goes', () => {
    expect(refusalOf('- site: example\n')).toEqual(['line 1: (file): expected object, got a list']);
  });

  it('refuses a scalar where the site goes', () => {
    expect(refusalOf('example\n')).toEqual(['line 1: (file): expected object, got "example"']);
  });

  it('refuses several documents in one file', () => {
    expect(refusalOf(`${EXAMPLE}---\n${EXAMPLE}`)).toEqual([`line ${EXAMPLE.split('\n').length}: (file): expected one YAML document, got several`]);
  });
});
