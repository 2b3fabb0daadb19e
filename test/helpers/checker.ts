// Runs a daemon's own config checker on rendered text. The daemons tests do
// not skip when a checker is missing: `npm test` installs them first, so a
// missing binary is a failure of the set-up, reported as such.
import { execa } from 'execa';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CheckResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Writes `files` (relative name → content) into a fresh folder and returns it. */
export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-check-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

export async function runChecker(command: string, args: readonly string[]): Promise<CheckResult> {
  const r = await execa(command, args, { reject: false, all: true, timeout: 30000 });
  if (r.failed && r.exitCode === undefined) throw new Error(`${command} could not run: ${r.shortMessage}`);
  return { ok: r.exitCode === 0, output: r.all ?? '' };
}
