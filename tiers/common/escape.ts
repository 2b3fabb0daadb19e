// Escapers for `<%= %>` in templates, one per target syntax. They do not
// quote: they refuse. Every value that reaches a template was validated by
// the site parser, so a refused value is a bug upstream, and failing loudly
// beats writing a config where a newline or a brace opened a new directive.

export type Syntax = 'haproxy' | 'bird' | 'toml' | 'gdnsd' | 'zone' | 'ipvsadm' | 'shell' | 'text';

/** Characters each syntax would read as structure rather than as part of a value. */
const FORBIDDEN: Record<Syntax, RegExp> = {
  haproxy: /[\s"'#\\{}]/,
  bird: /[\s"';{}#\\]/,
  toml: /[\s"'\\[\]=#]/,
  gdnsd: /[\s"'#;{}\\=>,[\]]/,
  zone: /[\s"';()\\$]/,
  ipvsadm: /[\s"'#;\\]/,
  shell: /[^A-Za-z0-9_.:/,=@%+-]/,
  text: /[\r\n]/,
};

export class UnsafeValueError extends Error {
  readonly code = 'TIERLB_UNSAFE_VALUE';
  constructor(readonly syntax: Syntax, readonly value: string) {
    super(`refusing to render ${JSON.stringify(value)} into ${syntax} syntax: it contains a character that syntax treats as structure`);
    this.name = 'UnsafeValueError';
  }
}

export function escaperFor(syntax: Syntax): (value: unknown) => string {
  const forbidden = FORBIDDEN[syntax];
  return (value: unknown): string => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new UnsafeValueError(syntax, String(value));
      return String(value);
    }
    if (typeof value === 'boolean') return String(value);
    if (typeof value === 'string' || (typeof value === 'object' && value !== null && 'ms' in value)) {
      const text = String(value);
      if (text === '' || forbidden.test(text)) throw new UnsafeValueError(syntax, text);
      return text;
    }
    throw new UnsafeValueError(syntax, String(value));
  };
}
