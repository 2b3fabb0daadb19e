// What a renderer produces: files named for their daemon, and operations on
// the kernel (links, addresses, sysctls) that are not files. `tierlb render`
// prints both; the agent installs the files and applies the operations.
import type { IpAddress } from '../../site/index.js';

/** `bird-bfd`: the BFD-only BIRD beside gobgpd on an L4 node (its own config file, socket and pid file). */
export type Daemon = 'haproxy' | 'bird' | 'bird-bfd' | 'gobgpd' | 'gdnsd' | 'ipvs' | 'kernel';

export interface RenderedFile {
  /** Relative path under the node's config folder: `haproxy.cfg`, `gdnsd/zones/example.org`. */
  readonly name: string;
  readonly daemon: Daemon;
  readonly content: string;
}

/** Kernel state as data; `netOpsText` turns it into the `ip`/`sysctl` lines an operator would type. */
export type NetOp =
  | { readonly kind: 'sysctl'; readonly key: string; readonly value: string; readonly why: string }
  | { readonly kind: 'link'; readonly name: string; readonly type: 'dummy' | 'ipip' | 'ip6tnl'; readonly mode?: 'ip6ip6'; readonly why: string }
  | { readonly kind: 'up'; readonly name: string }
  | { readonly kind: 'address'; readonly device: string; readonly address: IpAddress; readonly prefixLength: number; readonly why: string };

export function netOpsText(ops: readonly NetOp[]): string {
  const lines = ops.map((op) => {
    switch (op.kind) {
      case 'sysctl':
        return `sysctl -w ${op.key}=${op.value}  # ${op.why}`;
      case 'link':
        return `ip link add ${op.name} type ${op.type}${op.mode ? ` mode ${op.mode}` : ''}  # ${op.why}`;
      case 'up':
        return `ip link set ${op.name} up`;
      case 'address':
        return `ip ${op.address.includes(':') ? '-6 ' : ''}address add ${op.address}/${op.prefixLength} dev ${op.device}  # ${op.why}`;
    }
  });
  return lines.join('\n') + '\n';
}

export interface NodeRender {
  readonly files: readonly RenderedFile[];
  readonly netOps: readonly NetOp[];
}
