// How a failing case is shown: the site file as YAML (the bytes, decoded,
// when an encoding mutation made them), where it came from, what disagreed
// and the daemon's or the CLI's own words. The same text goes to the
// terminal, to a failed test and to the failure folder.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FuzzCase } from './cases.js';
import type { Verdict } from './oracle.js';

export type Failure = Extract<Verdict, { kind: 'failure' }>;

export interface FailureRecord {
  /** The run's index of the case: with the seed, `--replay` reproduces it. */
  readonly index: number;
  readonly found: { readonly case: FuzzCase; readonly failure: Failure };
  /** The smallest case fast-check found that fails the same way, when shrinking ran. */
  readonly shrunk?: { readonly case: FuzzCase; readonly failure: Failure };
}

const DETAIL_MAX = 6000;

/** The kind of a failure, without the names and numbers of one case: shrinking keeps to it. */
export function failureClass(f: Failure): string {
  return f.what.replace(/node \S+/g, 'node N').replace(/\d+/g, '#');
}

export function textOf(c: FuzzCase): string {
  return typeof c.content === 'string' ? c.content : `# (bytes, shown decoded as UTF-8)\n${new TextDecoder().decode(c.content)}`;
}

export function describeFailure(c: FuzzCase, f: Failure, heading: string): string {
  const yaml = textOf(c);
  const shown = yaml.length > 20_000 ? `${yaml.slice(0, 20_000)}\n# … (${yaml.length} characters in all)` : yaml;
  const detail = f.detail.length > DETAIL_MAX ? `${f.detail.slice(0, DETAIL_MAX)}\n… (${f.detail.length} characters in all)` : f.detail;
  return [
    `== ${heading}: ${f.what}`,
    `origin: ${c.origin.slice(0, 2000)}`,
    '-- what disagreed:',
    detail.trimEnd(),
    '-- the site file:',
    shown.trimEnd(),
    '',
  ].join('\n');
}

/** `DIR/failure-INDEX.yaml` (the file as found, and `.shrunk.yaml`) and `DIR/failure-INDEX.txt` (what disagreed). */
export async function writeFailure(dir: string, seed: number, r: FailureRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  const base = join(dir, `failure-${String(r.index).padStart(5, '0')}`);
  await writeFile(`${base}.yaml`, r.found.case.content);
  const parts = [
    `seed ${seed}, case ${r.index}: npm run fuzz -- --seed ${seed} --replay ${r.index}`,
    '',
    describeFailure(r.found.case, r.found.failure, 'found'),
  ];
  if (r.shrunk) {
    await writeFile(`${base}.shrunk.yaml`, r.shrunk.case.content);
    parts.push(describeFailure(r.shrunk.case, r.shrunk.failure, 'shrunk'));
  }
  await writeFile(`${base}.txt`, parts.join('\n'));
}
