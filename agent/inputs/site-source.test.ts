import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_SITE } from '../../test/helpers/site.js';
import { SITE_FILE_MAX_BYTES, SiteSource, type SiteLoad } from './site-source.js';

const EXAMPLE = readFileSync(EXAMPLE_SITE, 'utf8');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function siteFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-site-'));
  dirs.push(dir);
  const file = join(dir, 'site.yaml');
  writeFileSync(file, EXAMPLE);
  return file;
}

/** A source that has loaded the example, and that site. */
async function loadedSource(file = siteFile()) {
  const source = new SiteSource(file, 'l7-1');
  expect((await source.reload()).kind).toBe('loaded');
  return { file, source, good: source.site };
}

/** The file replaced by something else at the same path. */
function replaceWith(file: string, make: (path: string) => void): void {
  rmSync(file);
  make(file);
}

const issuesOf = (r: SiteLoad): readonly string[] => (r.kind === 'refused' ? r.issues : []);

/** The example with one anchor (`&web`) used by `uses` extra services. */
function exampleWithAliases(uses: number): string {
  const extra = Array.from({ length: uses }, (_, i) => `  - { name: extra-${i}, vips: [198.51.100.1], ports: [${10000 + i}], pool: *web }\n`);
  return EXAMPLE.replace('    pool: web\n', '    pool: &web web\n').replace('\npools:', `${extra.join('')}\npools:`);
}

/** "Billion laughs": nine levels of nine aliases each, 9^9 values once expanded. */
function aliasBomb(): string {
  const names = 'abcdefghij';
  const levels = [`a: &a [${Array(9).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < names.length; i++) levels.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(', ')}]`);
  return `${levels.join('\n')}\n`;
}

describe('SiteSource', () => {
  it('loads a valid file', async () => {
    const src = new SiteSource(siteFile(), 'l7-1');
    expect((await src.reload()).kind).toBe('loaded');
    expect(src.site?.name).toBe('example');
  });

  it('keeps the last good site when the file becomes invalid', async () => {
    const file = siteFile();
    const src = new SiteSource(file, 'l7-1');
    await src.reload();
    const good = src.site;
    writeFileSync(file, readFileSync(file, 'utf8').replace('ports: [80]', 'ports: [0]'));
    const r = await src.reload();
    expect(r.kind).toBe('refused');
    expect(r.kind === 'refused' && r.issues[0]).toMatch(/services\[0\]\.ports\[0\]: expected a port/);
    expect(src.site).toBe(good);
  });

  it('refuses a file that drops this node or changes its role', async () => {
    const file = siteFile();
    const src = new SiteSource(file, 'l7-4');
    await src.reload();
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: l7-4, role: l7', 'name: l7-4, role: backend'));
    const r = await src.reload();
    expect(r.kind === 'refused' && r.issues[0]).toMatch(/role of "l7-4" changed/);
  });

  it('reports unchanged when the text did not change', async () => {
    const src = new SiteSource(siteFile(), 'l4-1');
    await src.reload();
    expect((await src.reload()).kind).toBe('unchanged');
  });

  it('loads a file that uses one anchor 100 times', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, exampleWithAliases(100));
    expect((await source.reload()).kind).toBe('loaded');
    expect(source.site?.services).toHaveLength(102);
  });

  it('refuses an alias bomb and keeps the previous site', async () => {
    const { file, source, good } = await loadedSource();
    writeFileSync(file, aliasBomb());
    const r = await source.reload();
    expect(issuesOf(r)).toEqual([expect.stringMatching(/expected at most 1000000 values with aliases expanded, got 4412961516$/)]);
    expect(source.site).toBe(good);
  });

  it('refuses YAML nested thousands deep without throwing', async () => {
    const { file, source, good } = await loadedSource();
    writeFileSync(file, `site: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(issuesOf(await source.reload())).toEqual([expect.stringMatching(/expected at most 64 levels of nesting, got more$/)]);
    expect(source.site).toBe(good);
  });

  // Without a non-blocking open this test hangs until its timeout: nothing ever opens the FIFO for writing.
  it('refuses a FIFO at the path promptly and keeps the previous site', { timeout: 2000 }, async () => {
    const { file, source, good } = await loadedSource();
    replaceWith(file, (path) => execFileSync('mkfifo', [path]));
    expect(issuesOf(await source.reload())).toEqual([`${file}: expected a regular file, got a FIFO`]);
    expect(source.site).toBe(good);
  });

  it('refuses a directory at the path', async () => {
    const { file, source } = await loadedSource();
    replaceWith(file, (path) => mkdirSync(path));
    expect(issuesOf(await source.reload())).toEqual([`${file}: expected a regular file, got a directory`]);
  });

  it('follows a symlink to a regular file', async () => {
    const target = siteFile();
    const link = join(mkdtempSync(join(tmpdir(), 'tierlb-link-')), 'site.yaml');
    dirs.push(join(link, '..'));
    symlinkSync(target, link);
    expect((await new SiteSource(link, 'l7-1').reload()).kind).toBe('loaded');
  });

  it('refuses a file one byte over the limit before parsing it, naming the limit and the size', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, `${EXAMPLE}#`.padEnd(SITE_FILE_MAX_BYTES + 1, '#'));
    // "bytes" from the file's size: the parser's own bound counts characters.
    expect(issuesOf(await source.reload())).toEqual([`${file}: expected a file of at most 1048576 bytes (1 MiB), got 1048577 bytes`]);
  });

  it('loads a file of exactly the limit', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, `${EXAMPLE}#`.padEnd(SITE_FILE_MAX_BYTES, '#'));
    expect((await source.reload()).kind).toBe('loaded');
  });

  it('refuses a file that is not UTF-8', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, Buffer.from(EXAMPLE.replace('site: example', 'site: caf\xe9'), 'latin1'));
    expect(issuesOf(await source.reload())).toEqual([`${file}: expected UTF-8 text, got bytes that are not valid UTF-8`]);
  });

  it('refuses a UTF-16 file in one line that names the encoding', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EXAMPLE, 'utf16le')]));
    expect(issuesOf(await source.reload())).toEqual([`${file}: expected UTF-8 text, got UTF-16LE (the file starts with its byte-order mark); save it as UTF-8`]);
  });

  it('loads a file that starts with a byte order mark', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, `\uFEFF${EXAMPLE.replace('site: example', 'site: with-bom')}`);
    expect((await source.reload()).kind).toBe('loaded');
    expect(source.site?.name).toBe('with-bom');
  });

  it('cuts a long value in an issue to one readable line', async () => {
    const { file, source } = await loadedSource();
    writeFileSync(file, EXAMPLE.replace('site: example', `site: ${'x'.repeat(300_000)}`));
    const [issue] = issuesOf(await source.reload());
    expect(issue).toMatch(/site: expected a name .*, got "x+… \(\d{6} characters\)$/);
    expect(issue?.length).toBeLessThan(500);
  });

  it('turns an unexpected exception into a refusal instead of rejecting', async () => {
    const overrides = Object.defineProperty({}, 'runDir', { enumerable: true, get: () => { throw new Error('boom'); } });
    const r = await new SiteSource(siteFile(), 'l7-1', overrides).reload();
    expect(issuesOf(r)).toEqual([expect.stringMatching(/unexpected error while loading the site: boom$/)]);
  });
});
