// Network namespaces that a test creates and removes itself. Names carry the
// test's pid so parallel or crashed runs do not collide; `cleanupStale`
// removes what an earlier crashed run of the same prefix left.
import { execa } from 'execa';

export interface Netns {
  readonly name: string;
  exec(cmd: string, args: readonly string[], opts?: { reject?: boolean; timeout?: number }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  spawnArgs(cmd: string, args: readonly string[]): [string, string[]];
  remove(): Promise<void>;
}

const ip = (args: readonly string[]) => execa('ip', [...args], { timeout: 10000 });

export async function createNetns(tag: string): Promise<Netns> {
  const name = `tlb-${tag}-${process.pid}`;
  await execa('ip', ['netns', 'del', name], { reject: false });
  await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    async exec(cmd, args, opts = {}) {
      const r = await execa('ip', ['netns', 'exec', name, cmd, ...args], { reject: opts.reject ?? true, timeout: opts.timeout ?? 30000, all: false });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    spawnArgs: (cmd, args) => ['ip', ['netns', 'exec', name, cmd, ...args]],
    async remove() {
      await execa('ip', ['netns', 'del', name], { reject: false });
    },
  };
}

/** Adds addresses to the namespace's loopback (prefix /32 or /128 unless given). */
export async function addLoopbackAddresses(ns: Netns, addresses: readonly string[]): Promise<void> {
  for (const a of addresses) {
    const withPrefix = a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`;
    await ip(['-n', ns.name, 'address', 'add', withPrefix, 'dev', 'lo', ...(a.includes(':') ? ['nodad'] : [])]);
  }
}

/** A veth pair between two namespaces with one address on each end. */
export async function linkNetns(a: Netns, aAddr: string, b: Netns, bAddr: string, tag = 'v'): Promise<void> {
  const ifA = `${tag}a${process.pid % 100000}`;
  const ifB = `${tag}b${process.pid % 100000}`;
  await ip(['link', 'add', ifA, 'netns', a.name, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.name]);
  for (const [ns, dev, addr] of [[a, ifA, aAddr], [b, ifB, bAddr]] as const) {
    await ip(['-n', ns.name, 'address', 'add', addr, 'dev', dev, ...(addr.includes(':') ? ['nodad'] : [])]);
    await ip(['-n', ns.name, 'link', 'set', dev, 'up']);
  }
}

/**
 * A veth pair from this host into `ns`, addressed as a /31 out of the
 * link-local range and named after this process, so a process in the
 * namespace (an agent's status endpoint) is reachable from here. It goes
 * with the namespace.
 */
export async function linkToHost(ns: Netns, tag: string): Promise<{ readonly hostIp: string; readonly nsIp: string }> {
  const hostIp = `169.254.${(process.pid >> 7) & 255}.${(process.pid & 127) * 2}`;
  const nsIp = hostIp.replace(/\d+$/, (n) => String(Number(n) + 1));
  const veth = `${tag}${process.pid % 100000}`;
  await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'host0', 'netns', ns.name]);
  await ip(['address', 'add', `${hostIp}/31`, 'dev', veth]);
  await ip(['link', 'set', veth, 'up']);
  await ip(['-n', ns.name, 'address', 'add', `${nsIp}/31`, 'dev', 'host0']);
  await ip(['-n', ns.name, 'link', 'set', 'host0', 'up']);
  return { hostIp, nsIp };
}
