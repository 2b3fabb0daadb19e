// The thin effectful wrapper around the pure parser: read a file, parse it,
// and turn problems into a CliError with every issue listed.
import { readSiteFile } from '../agent/inputs/site-source.js';
import { formatIssue, parseSiteText, type Site } from '../site/index.js';
import { CliError } from './errors.js';

export async function readSite(file: string): Promise<Site> {
  // The agent's own bounded read: a FIFO, a directory or an oversize file is refused, never waited on.
  const read = await readSiteFile(file);
  if (!read.ok && read.kind === 'unreadable') throw new CliError(`cannot read ${file}: ${read.reason}`, 2);
  // Bytes that are not UTF-8 text are an invalid site file like any other: exit 1, with a line.
  const result = read.ok ? parseSiteText(read.text) : { ok: false as const, issues: [{ path: [], message: read.reason, line: read.line }] };
  if (!result.ok) {
    const lines = result.issues.map((i) => `  ${formatIssue(i)}`);
    throw new CliError(`${file}: invalid, ${result.issues.length} error(s); nothing was changed\n${lines.join('\n')}`, 1);
  }
  return result.site;
}
