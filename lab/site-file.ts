// The host-side prologue both `npm run lab` and the disruption bench start
// with: the Debian packages and npm dependencies in place, then the lab's site
// file read and refused with every problem printed, or turned into the lab's
// topology.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSiteText, type Site } from '../site/index.js';
import { REPO } from './bundle.js';
import { labTopology, type LabTopology } from './topology.js';

export interface LabSite {
  readonly siteFile: string;
  readonly site: Site;
  readonly topology: LabTopology;
}

/** Installs what is missing, then reads `siteArg` (relative to the working folder); undefined once its problems are printed. */
export async function prepareLabSite(siteArg: string): Promise<LabSite | undefined> {
  await execa('bash', [join(REPO, 'scripts', 'ensure-deps.sh')], { stdio: 'inherit' });
  const siteFile = siteArg.startsWith('/') ? siteArg : join(process.cwd(), siteArg);
  const parsed = parseSiteText(await readFile(siteFile, 'utf8'));
  if (!parsed.ok) {
    for (const i of parsed.issues) process.stderr.write(`${siteFile}${i.line ? `:${i.line}` : ''}: ${i.path.join('.')}: ${i.message}\n`);
    return undefined;
  }
  return { siteFile, site: parsed.site, topology: labTopology(parsed.site) };
}
