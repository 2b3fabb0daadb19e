// Which kernel the lab runs on: the host's own, in network namespaces, when
// it has (or can load) IPVS, IPIP and ip6ip6; otherwise Debian's
// user-mode-linux kernel. `--kernel host|uml` chooses explicitly.
import { execa } from 'execa';
import { existsSync } from 'node:fs';

export type LabKernel = 'host' | 'uml';

export interface KernelFeature {
  /** What the lab needs it for, in the words the progress line uses. */
  readonly name: string;
  readonly available: boolean;
  /** How it was found (or what was tried). */
  readonly how: string;
}

export type KernelChoice =
  | { readonly ok: true; readonly kernel: LabKernel; readonly why: string }
  | { readonly ok: false; readonly why: string };

/** What the host kernel offers the lab: each feature loaded, loadable, or creatable in a throwaway network namespace. */
export async function hostKernelFeatures(): Promise<KernelFeature[]> {
  return Promise.all([
    feature('IPVS', '/proc/net/ip_vs', 'ip_vs'),
    feature('IPIP', '/sys/module/ipip', 'ipip', ['type', 'ipip', 'local', '192.0.2.1']),
    feature('ip6ip6', '/sys/module/ip6_tunnel', 'ip6_tunnel', ['type', 'ip6tnl', 'mode', 'ip6ip6', 'local', '2001:db8::1']),
  ]);
}

async function feature(name: string, loaded: string, module: string, link?: readonly string[]): Promise<KernelFeature> {
  if (existsSync(loaded)) return { name, available: true, how: `${loaded} exists` };
  const dry = await execa('modprobe', ['-n', '-q', module], { reject: false, timeout: 10000 });
  if (dry.exitCode === 0) return { name, available: true, how: `modprobe can load ${module}` };
  if (link) {
    // Built in, or loaded on demand: the kernel itself says, in a namespace that dies with the command.
    const made = await execa('unshare', ['--net', 'ip', 'link', 'add', 'tierlb-probe', ...link], { reject: false, timeout: 10000 });
    if (made.exitCode === 0) return { name, available: true, how: `an ${name} link can be created` };
  }
  return { name, available: false, how: `no ${loaded}, no module ${module}${link ? `, no ${name} link` : ''}` };
}

export function chooseKernel(requested: string | undefined, features: readonly KernelFeature[]): KernelChoice {
  const missing = features.filter((f) => !f.available);
  const have = (): string => features.map((f) => `${f.name} (${f.how})`).join(', ');
  const lacks = (): string => missing.map((f) => `${f.name} (${f.how})`).join(', ');
  if (requested !== undefined && requested !== 'host' && requested !== 'uml') return { ok: false, why: `--kernel: expected host or uml, got "${requested}"` };
  if (requested === 'host') {
    return missing.length === 0
      ? { ok: true, kernel: 'host', why: `asked for; this kernel has ${have()}` }
      : { ok: false, why: `--kernel host: this kernel lacks ${lacks()}` };
  }
  if (requested === 'uml') return { ok: true, kernel: 'uml', why: 'asked for' };
  return missing.length === 0
    ? { ok: true, kernel: 'host', why: `this kernel has ${have()}` }
    : { ok: true, kernel: 'uml', why: `this kernel lacks ${lacks()}` };
}
