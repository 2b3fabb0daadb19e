// `tierlb render FILE --node NAME [--out DIR]`: the pure half of the agent,
// printed or written to a folder for inspection.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { renderNodeFiles } from '../tiers/render.js';
import { CliError } from './errors.js';
import { readSite } from './read-site.js';

export interface RenderOptions {
  readonly node: string;
  readonly out?: string;
}

export async function renderCommand(file: string, opts: RenderOptions, out: (text: string) => void): Promise<void> {
  const site = await readSite(file);
  const files = renderNodeFiles(site, opts.node);
  if (!files) {
    throw new CliError(`--node: expected one of ${site.nodes.map((n) => n.name).join(', ')}, got ${JSON.stringify(opts.node)}`, 2);
  }
  if (files.length === 0) {
    out(`# node ${opts.node}: its role installs no files (the agent alone serves it)\n`);
    return;
  }
  if (!opts.out) {
    for (const f of files) out(`==> ${f.name} (${f.daemon}) <==\n${f.content}${f.content.endsWith('\n') ? '' : '\n'}\n`);
    return;
  }
  const root = resolve(opts.out);
  for (const f of files) {
    const target = join(root, f.name);
    try {
      await makeFolders(dirname(target));
      await writeFile(target, f.content);
    } catch (err) {
      throw new CliError(`--out: cannot write ${target}: ${(err as Error).message}`, 2, { cause: err });
    }
    out(`wrote ${target}\n`);
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir spins forever
 * where mkdir fails with ENOENT although the parent exists (/proc/x).
 */
async function makeFolders(dir: string): Promise<void> {
  const parts = dir.split(sep).filter((p) => p !== '');
  for (let i = 1; i <= parts.length; i++) {
    const here = sep + parts.slice(0, i).join(sep);
    try {
      await mkdir(here);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await stat(here)).isDirectory()) throw new Error(`ENOTDIR: not a directory, mkdir '${here}'`);
    }
  }
}
