// A network namespace of a test's own with one veth holding an address, and
// a mount namespace with a bpffs of its own (tc pins maps there), for the
// ports that drive the real tc and bpftool; built once, removed after.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processRunner } from '../../agent/drivers/kernel/runner.js';
import type { Runner } from '../../tiers/common/runner.js';
import { REPO } from './site.js';

export interface BpfNetns {
  /** Runs a command in the namespaces. */
  readonly run: Runner;
  readonly remove: () => Promise<void>;
}

/** The programs compiled, then `name`'s namespaces with veth d0 holding `address`/24. */
export async function bpfNetns(name: string, address: string): Promise<BpfNetns> {
  const built = await execa(process.execPath, [join(REPO, 'bpf', 'build.mjs')], { reject: false, all: true });
  if (built.exitCode !== 0) throw new Error(`bpf/build.mjs: ${built.all ?? ''}`);
  const ns = `${name}-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const mnt = join(dir, 'mnt');
  await execa('ip', ['netns', 'add', ns]);
  for (const args of [['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'], ['link', 'set', 'd0', 'up'], ['link', 'set', 'd1', 'up'], ['address', 'add', `${address}/24`, 'dev', 'd0']]) await execa('ip', ['-n', ns, ...args]);
  // A mount namespace kept by a bind of its file, so every nsenter finds the same bpffs.
  await execa('mount', ['--bind', dir, dir]);
  await execa('mount', ['--make-private', dir]);
  writeFileSync(mnt, '');
  await execa('unshare', [`--mount=${mnt}`, '--propagation', 'private', 'true']);
  await execa('nsenter', [`--mount=${mnt}`, '--', 'mount', '-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  return {
    run: (cmd, args, opts) => processRunner('nsenter', [`--net=/run/netns/${ns}`, `--mount=${mnt}`, '--', cmd, ...args], opts),
    remove: async () => {
      await execa('ip', ['netns', 'delete', ns], { reject: false });
      await execa('umount', [mnt], { reject: false });
      await execa('umount', [dir], { reject: false });
    },
  };
}
