// A tiny BGP lab in network namespaces for the ECMP daemons test: one switch
// namespace with a bridge, and one namespace per node with its address on
// eth0. Everything it creates is named after this process, and removed.
import { execa, type ResultPromise } from 'execa';
import type { SiteNode } from '../../site/index.js';

export class NetnsLab {
  private readonly prefix = `tlbe${process.pid}`;
  private readonly namespaces: string[] = [];
  private readonly daemons: ResultPromise[] = [];

  ns(node: string): string {
    return `${this.prefix}-${node}`;
  }

  async start(nodes: readonly SiteNode[]): Promise<void> {
    const sw = this.ns('sw');
    await this.addNs(sw);
    await run('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    for (const [i, node] of nodes.entries()) {
      const ns = this.ns(node.name);
      await this.addNs(ns);
      await run('ip', ['-n', sw, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run('ip', ['-n', sw, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      if (node.addresses.ipv4) await run('ip', ['-n', ns, 'address', 'add', `${node.addresses.ipv4}/24`, 'dev', 'eth0']);
      if (node.addresses.ipv6) await run('ip', ['-n', ns, 'address', 'add', `${node.addresses.ipv6}/64`, 'dev', 'eth0', 'nodad']);
    }
  }

  /** Starts a long-running daemon inside the node's namespace. */
  spawn(node: string, command: string, args: readonly string[]): void {
    this.daemons.push(execa('ip', ['netns', 'exec', this.ns(node), command, ...args], { reject: false, all: true }));
  }

  async exec(node: string, command: string, args: readonly string[]): Promise<{ exitCode: number | undefined; stdout: string }> {
    const r = await execa('ip', ['netns', 'exec', this.ns(node), command, ...args], { reject: false });
    return { exitCode: r.exitCode, stdout: r.stdout };
  }

  async stop(): Promise<void> {
    for (const d of this.daemons) d.kill();
    await Promise.all(this.daemons);
    for (const ns of this.namespaces.reverse()) await execa('ip', ['netns', 'del', ns], { reject: false });
  }

  private async addNs(ns: string): Promise<void> {
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
}

async function run(command: string, args: readonly string[]): Promise<void> {
  await execa(command, args);
}

/** Polls `probe` until it returns true, or fails after `ms`. */
export async function eventually(probe: () => Promise<boolean>, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
