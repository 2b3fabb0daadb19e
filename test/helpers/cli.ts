// Runs the real CLI from the sources, as a child process, the way a person would.
import { execa } from 'execa';
import { join } from 'node:path';
import { REPO } from './site.js';

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: readonly string[]): Promise<CliRun> {
  const r = await execa('node', ['--import', 'tsx', join(REPO, 'cli', 'main.ts'), ...args], { reject: false, cwd: REPO, timeout: 60000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
