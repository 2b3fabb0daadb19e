// Runs a shell script as init of Debian's user-mode-linux kernel, with the
// host's filesystem as a read-only root, for what the host kernel lacks
// (IPVS, IPIP). Results come back through a host folder mounted read-write
// inside, because linux.uml's own exit status does not carry the guest's.
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xstateShim } from './xstate-shim.js';

export const UML_KERNEL = '/usr/bin/linux.uml';
const UML_MODULES = '/usr/lib/uml/modules';
const SHARE_ROOT = '/var/tmp/tierlb';

export interface UmlRun {
  /** Exit status of the guest script, or null when it never reported one (crash, timeout). */
  readonly exitCode: number | null;
  /** What the script printed (stdout and stderr). */
  readonly output: string;
  /** The kernel console, for diagnosing a guest that did not report. */
  readonly console: string;
  /** Stopped at `timeoutMs`. */
  readonly timedOut: boolean;
  /** Host folder mounted at the same path inside the guest; files the script wrote there. */
  readonly shareDir: string;
}

export interface UmlOptions {
  readonly memMb?: number;
  readonly timeoutMs?: number;
  /** Modules to load before the script runs (ip_vs, ip_vs_mh, ipip, ...). */
  readonly modules?: readonly string[];
  /** Files to place in the shared folder before boot, by relative name. */
  readonly files?: Readonly<Record<string, string>>;
  /** Use this (existing, empty or reusable) host folder as the share instead of a fresh one under /var/tmp/tierlb; not under /tmp. */
  readonly shareDir?: string;
  /** The guest's console on this process's terminal (stdin and stdout), for an interactive guest. */
  readonly interactive?: boolean;
  /**
   * A command line the init execs after the script succeeded, as PID 1,
   * instead of powering off (`/lib/systemd/systemd --unit=X`): it must power
   * the guest off itself. The script's status is in `exitCode` as before.
   */
  readonly thenExec?: string;
}

/** The script runs under /bin/sh with `$SHARE` set to the shared folder and `modprobe` loading UML modules. */
export async function runInUml(script: string, opts: UmlOptions = {}): Promise<UmlRun> {
  // Not under /tmp: the guest mounts a fresh tmpfs there, which would hide it.
  await mkdir(SHARE_ROOT, { recursive: true });
  const share = opts.shareDir ?? await mkdtemp(join(SHARE_ROOT, 'uml-'));
  await rm(join(share, '.mods'), { recursive: true, force: true });
  await rm(join(share, '.status'), { force: true });
  const version = await umlKernelVersion();
  await mkdir(join(share, '.mods', 'lib', 'modules'), { recursive: true });
  await symlink(join(UML_MODULES, version), join(share, '.mods', 'lib', 'modules', version));
  for (const [name, content] of Object.entries(opts.files ?? {})) await writeFile(join(share, name), content);
  await writeFile(join(share, 'script.sh'), script);
  const init = join(share, 'init.sh');
  await writeFile(init, initScript(share, opts.modules ?? [], opts.thenExec));
  await chmod(init, 0o755);
  const console = opts.interactive ? 'con0=fd:0,fd:1' : 'con0=null,fd:1';
  const env = { LD_PRELOAD: await xstateShim(SHARE_ROOT) };
  const child = execa(UML_KERNEL, [
    `mem=${opts.memMb ?? 512}M`, 'rootfstype=hostfs', 'rootflags=/', 'ro', `init=${init}`, console, 'con=null',
  ], opts.interactive
    ? { reject: false, timeout: opts.timeoutMs ?? 120000, stdin: 'inherit', stdout: 'inherit', stderr: 'inherit', cleanup: true, env }
    : { reject: false, timeout: opts.timeoutMs ?? 120000, stdin: 'ignore', all: true, cleanup: true, env });
  const r = await child;
  const status = await readFile(join(share, '.status'), 'utf8').catch(() => '');
  const output = await readFile(join(share, '.output'), 'utf8').catch(() => '');
  return { exitCode: status.trim() === '' ? null : Number(status.trim()), output, console: typeof r.all === 'string' ? r.all : '', timedOut: r.timedOut, shareDir: share };
}

export async function umlKernelVersion(): Promise<string> {
  const versions = await readdir(UML_MODULES);
  if (versions.length !== 1 || !versions[0]) throw new Error(`expected one kernel under ${UML_MODULES}, found ${versions.join(', ') || 'none'}`);
  return versions[0];
}

export async function removeUmlShare(run: UmlRun): Promise<void> {
  await rm(run.shareDir, { recursive: true, force: true });
}

/** The checkout this file is in: guest scripts run its code and its bundles. */
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The guest mounts a fresh tmpfs on /tmp, which hides a checkout or a share
 * folder under /tmp (a CI clone, say); each is mounted again from the host at
 * the same path.
 */
function visibleAgain(paths: readonly string[]): string[] {
  const quoted = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;
  return [...new Set(paths)].map((p) => `mkdir -p ${quoted(p)} 2>/dev/null; mount -t hostfs none ${quoted(p)} -o ${quoted(p)}`);
}

function initScript(share: string, modules: readonly string[], thenExec?: string): string {
  return `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
${visibleAgain([REPO, share]).join('\n')}
export SHARE=${share} PATH=/usr/sbin:/usr/bin:/sbin:/bin
modprobe() { /sbin/modprobe -d ${share}/.mods "$@"; }
(
  set -e
  for m in ${modules.join(' ')}; do modprobe "$m"; done
  . ${share}/script.sh
) > ${share}/.output 2>&1
echo $? > ${share}/.status
sync
${thenExec !== undefined ? `[ "$(cat ${share}/.status)" = 0 ] && exec ${thenExec}\n` : ''}poweroff -f
`;
}
