// Where a program of ours goes on a node: the egress of the device holding
// the node's own address (its users' answers and its tunnelled packets leave
// there). Attached when it is not there yet, or moved with the address.
import type { SiteNode } from '../../../site/index.js';

/** What a port of a tc program offers to be attached (tc-program.ts). */
export interface TcAttachPort {
  object(): { readonly path: string } | { readonly why: string };
  deviceOf(address: string): Promise<string | undefined>;
  attached(device: string): Promise<boolean>;
  attach(device: string, object: string): Promise<void>;
}

export type Attachment =
  /** No try can do better: the program is not built. */
  | { readonly kind: 'unavailable'; readonly why: string }
  | { readonly kind: 'failed'; readonly why: string }
  /** `fresh`: attached by this call, so its maps may hold anything. */
  | { readonly kind: 'attached'; readonly device: string; readonly fresh: boolean };

/** The device holding the node's IPv4 address, else its IPv6 one. */
export async function nodeDevice(port: Pick<TcAttachPort, 'deviceOf'>, node: SiteNode): Promise<string | undefined> {
  for (const address of [node.addresses.ipv4, node.addresses.ipv6]) {
    const device = address === undefined ? undefined : await port.deviceOf(address);
    if (device !== undefined) return device;
  }
  return undefined;
}

/**
 * How often a program this agent attached is looked for again with `tc`:
 * asking starts a process, the costliest thing an agent does in a slow
 * kernel (a fork of the agent), so it is a drift check, not a per-turn one.
 */
export const ATTACH_CHECK_MS = 60_000;

/**
 * Makes sure the program is attached where it belongs; `held`: the device it
 * was last attached at; `verify`: whether to ask the kernel that it still is
 * (otherwise a held program on the same device is taken as attached). Throws
 * with the tools' words.
 */
async function attachAtNode(port: TcAttachPort, node: SiteNode, held: string | undefined, verify: boolean): Promise<Attachment> {
  const object = port.object();
  if ('why' in object) return { kind: 'unavailable', why: object.why };
  const device = await nodeDevice(port, node);
  if (device === undefined) return { kind: 'failed', why: `no device holds ${node.name}'s own address` };
  if (held === device && (!verify || (await port.attached(device)))) return { kind: 'attached', device, fresh: false };
  await port.attach(device, object.path);
  return { kind: 'attached', device, fresh: true };
}

/**
 * A program's attachment as one applier holds it: attached where it belongs
 * at every apply, the kernel asked again once ATTACH_CHECK_MS has passed
 * since it last said the program is there.
 */
export class HeldAttachment {
  private verifiedAt = -Infinity;

  constructor(private readonly port: TcAttachPort, private readonly now: () => number) {}

  /** `held`: the device the applier last had it at. Throws with the tools' words. */
  async ensure(node: SiteNode, held: string | undefined): Promise<Attachment> {
    const now = this.now();
    const verify = now - this.verifiedAt >= ATTACH_CHECK_MS;
    const at = await attachAtNode(this.port, node, held, verify);
    if (at.kind === 'attached' && (verify || at.fresh)) this.verifiedAt = now;
    return at;
  }
}
