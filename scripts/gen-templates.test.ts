// tiers/common/templates.generated.ts is generated from templates/; this
// fails when someone changed a template and forgot `npm run gen:templates`.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TEMPLATES } from '../tiers/common/templates.generated.js';
import { renderTemplatesModule, TEMPLATES_DIR, TEMPLATES_MODULE, templateNames } from './gen-templates.js';

describe('tiers/common/templates.generated.ts', () => {
  it('is what scripts/gen-templates.ts generates from the current templates/ (run `npm run gen:templates`)', () => {
    expect(readFileSync(TEMPLATES_MODULE, 'utf8')).toBe(renderTemplatesModule());
  });

  it('holds every template of templates/ byte for byte', () => {
    const onDisk = Object.fromEntries(templateNames().map((name) => [name, readFileSync(join(TEMPLATES_DIR, name), 'utf8')]));
    expect(TEMPLATES).toEqual(onDisk);
  });
});

describe('renderTemplatesModule', () => {
  it('keeps backslashes, backticks, ${ and carriage returns as they are in the template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierlb-templates-'));
    mkdirSync(join(dir, 'x'));
    const text = 'a \\ b ` c ${d} \\` e\r\n<%= locals.f %>\n';
    writeFileSync(join(dir, 'x', 'odd.ejs'), text);
    writeFileSync(join(dir, 'x', 'notes.txt'), 'not a template');
    const module = join(dir, 'generated.ts');
    writeFileSync(module, renderTemplatesModule(dir));
    const { TEMPLATES: generated } = (await import(pathToFileURL(module).href)) as { TEMPLATES: Record<string, string> };
    expect(generated).toEqual({ 'x/odd.ejs': text });
  });
});
