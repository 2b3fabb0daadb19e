// The thin effectful wrapper around the pure parser: read a file, parse it,
// and turn problems into a CliError with every issue listed.
import { readFile } from 'node:fs/promises';
import { formatIssue, parseSiteText, type Site } from '../site/index.js';
import { CliError } from './errors.js';

export async function readSite(file: string): Promise<Site> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new CliError(`cannot read ${file}: ${(cause as Error).message}`, 2, { cause });
  }
  const result = parseSiteText(text);
  if (!result.ok) {
    const lines = result.issues.map((i) => `  ${formatIssue(i)}`);
    throw new CliError(`${file}: invalid, ${result.issues.length} error(s); nothing was changed\n${lines.join('\n')}`, 1);
  }
  return result.site;
}
