// Errors in a site file: each names the field (path), its line when the file
// has one, and the reason. Validation collects every one of them.
export type FieldPath = readonly (string | number)[];

export interface SiteIssue {
  readonly path: FieldPath;
  readonly message: string;
  /** 1-based line in the source file, when the field can be found there. */
  readonly line?: number;
}

/** `services[1].vips[0]`: the form an operator reads and greps for. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(file)' : out;
}

export function formatIssue(issue: SiteIssue, source?: string): string {
  const where = [source, issue.line === undefined ? undefined : `line ${issue.line}`].filter(Boolean).join(':');
  return `${where ? `${where}: ` : ''}${formatPath(issue.path)}: ${issue.message}`;
}

/** Thrown only at the edges (CLI, agent start-up); the parser returns values. */
export class SiteInvalidError extends Error {
  readonly code = 'TIERLB_SITE_INVALID';
  constructor(readonly issues: readonly SiteIssue[], readonly source?: string) {
    super(`${source ?? 'site'}: ${issues.length} error(s)\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'SiteInvalidError';
  }
}
