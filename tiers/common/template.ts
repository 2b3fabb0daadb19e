// Renders an ejs template from templates/ with strict mode and the escaper
// of its target syntax. Templates are read once and cached: they are part of
// the program, like code, so rendering stays a function of (template, view).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import { escaperFor, type Syntax } from './escape.js';

const TEMPLATES = findTemplates();
const compiled = new Map<string, ejs.TemplateFunction>();

/** `name` is relative to templates/, e.g. `l7/haproxy.cfg.ejs`. The view is `locals` inside the template. */
export function renderTemplate(name: string, syntax: Syntax, view: object): string {
  const key = `${syntax}:${name}`;
  let fn = compiled.get(key);
  if (!fn) {
    const file = join(TEMPLATES, name);
    fn = ejs.compile(readFileSync(file, 'utf8'), {
      strict: true,
      localsName: 'locals',
      escape: escaperFor(syntax),
      filename: file,
      rmWhitespace: false,
    });
    compiled.set(key, fn);
  }
  return fn(view);
}

function findTemplates(): string {
  // Works from the sources (tiers/common) and from the build (dist/tiers/common).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      readFileSync(join(dir, 'templates', '.root'));
      return join(dir, 'templates');
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error('templates/ folder not found beside the tierlb sources');
}
