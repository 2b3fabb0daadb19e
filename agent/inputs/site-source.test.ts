import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_SITE } from '../../test/helpers/site.js';
import { SiteSource } from './site-source.js';

function siteFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tierlb-site-')), 'site.yaml');
  writeFileSync(file, readFileSync(EXAMPLE_SITE, 'utf8'));
  return file;
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
});
