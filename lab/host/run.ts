// Runs a lab script on the host's own kernel, as the user-mode-linux kernel
// would run it as init (lab/uml/run.ts), for hosts whose kernel has IPVS,
// IPIP and ip6ip6. The script runs as process 1 of its own PID namespace in
// a private mount namespace (hostInit): every mount it makes (its /run and
// /tmp, each node's /etc and /var/lib overlays) and every network namespace
// it names lives there, and when it ends (or its launcher dies, however)
// the kernel kills every process of the lab, which frees its namespaces.
import { execa } from 'execa';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from '../bundle.js';
import { hostInit } from './init.js';

export interface HostRun {
  /** Exit status of the script, or null when it never reported one (killed, timeout). */
  readonly exitCode: number | null;
  readonly output: string;
  /** What the launcher (setpriv, unshare, the init) printed. */
  readonly console: string;
  /** Stopped at `timeoutMs`. */
  readonly timedOut: boolean;
  readonly shareDir: string;
}

export interface HostRunOptions {
  /** Host folder the script may write (results, logs); it and the checkout stay writable, the rest of / is read-only to the lab. */
  readonly shareDir: string;
  readonly timeoutMs?: number;
  /** Modules to load first when the kernel has them as modules (ip_vs, ipip, ...). */
  readonly modules?: readonly string[];
  /** The script's shell on this process's terminal (file descriptors 3 and 4 inside). */
  readonly interactive?: boolean;
}

export async function runInHost(script: string, opts: HostRunOptions): Promise<HostRun> {
  const share = opts.shareDir;
  await mkdir(share, { recursive: true });
  await rm(join(share, '.status'), { force: true });
  await writeFile(join(share, 'script.sh'), script);
  const init = join(share, 'init.sh');
  await writeFile(init, hostInit({ share, repo: REPO, modules: opts.modules ?? [] }));
  await chmod(init, 0o755);
  // setpriv: unshare gets SIGKILL when this process dies, however it dies;
  // --kill-child: the lab's process 1 gets SIGKILL when unshare dies; the
  // kernel then kills every process of its PID namespace.
  const args = ['--pdeathsig', 'SIGKILL', '--', 'unshare', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child=SIGKILL', '--mount-proc', '/bin/sh', init];
  const r = await execa('setpriv', args, opts.interactive
    ? { reject: false, timeout: opts.timeoutMs ?? 1200000, stdin: 'inherit', stdout: 'inherit', stderr: 'inherit', cleanup: true }
    : { reject: false, timeout: opts.timeoutMs ?? 1200000, stdin: 'ignore', all: true, cleanup: true });
  const status = await readFile(join(share, '.status'), 'utf8').catch(() => '');
  const output = await readFile(join(share, '.output'), 'utf8').catch(() => '');
  const console = typeof r.all === 'string' ? r.all : '';
  return { exitCode: status.trim() === '' ? null : Number(status.trim()), output, console, timedOut: r.timedOut, shareDir: share };
}
