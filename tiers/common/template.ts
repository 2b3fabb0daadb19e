// Renders an ejs template from templates/ with strict mode and the escaper
// of its target syntax. The templates are compiled into the program
// (templates.generated.ts, written by `npm run gen:templates`), like code, so
// rendering reads no file and stays a function of (template, view).
import ejs from 'ejs';
import { escaperFor, type Syntax } from './escape.js';
import { TEMPLATES } from './templates.generated.js';

const compiled = new Map<string, ejs.TemplateFunction>();

/** `name` is relative to templates/, e.g. `l7/haproxy.cfg.ejs`. The view is `locals` inside the template. */
export function renderTemplate(name: string, syntax: Syntax, view: object): string {
  const key = `${syntax}:${name}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = ejs.compile(templateText(name), {
      strict: true,
      localsName: 'locals',
      escape: escaperFor(syntax),
      filename: `templates/${name}`,
      rmWhitespace: false,
    });
    compiled.set(key, fn);
  }
  return fn(view);
}

function templateText(name: string): string {
  const text = Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined;
  if (text === undefined) throw new Error(`expected a template under templates/ (${Object.keys(TEMPLATES).join(', ')}), got ${JSON.stringify(name)}`);
  return text;
}
