// `tierlb render FILE --node NAME [--out DIR]`: the pure half of the agent,
// printed or written to a folder for inspection.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    out(`wrote ${target}\n`);
  }
}
