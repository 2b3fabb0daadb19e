// View-models for the L4 templates: every token the templates print is
// computed here, so the templates only loop and print.
import type { NetOp } from '../common/files.js';
import { endpoint, type IpvsState } from './model.js';

export interface IpvsRulesView {
  readonly services: readonly {
    /** `-t`: the only protocol the site model allows. */
    readonly protocolFlag: '-t';
    /** `VIP:PORT`, IPv6 in brackets: one token. */
    readonly target: string;
    readonly scheduler: string;
    /** `mh-fallback,mh-port`, or undefined for no `-b`. */
    readonly schedFlags: string | undefined;
    readonly destinations: readonly {
      readonly target: string;
      /** `-i`: IPIP for IPv4, ip6ip6 for IPv6 (the kernel picks by family). */
      readonly forwardFlag: '-i';
      readonly weight: number;
    }[];
  }[];
}

export function ipvsRulesView(state: IpvsState): IpvsRulesView {
  return {
    services: state.services.map((s) => ({
      protocolFlag: '-t',
      target: endpoint(s.vip, s.port),
      scheduler: s.scheduler,
      schedFlags: s.flags.length > 0 ? s.flags.join(',') : undefined,
      destinations: s.destinations.map((d) => ({ target: endpoint(d.address, d.port), forwardFlag: '-i', weight: d.weight })),
    })),
  };
}

export interface SysctlView {
  readonly settings: readonly { readonly key: string; readonly value: string; readonly why: string }[];
}

export function sysctlView(ops: readonly NetOp[]): SysctlView {
  return {
    settings: ops.flatMap((op) => (op.kind === 'sysctl' ? [{ key: op.key, value: op.value, why: op.why }] : [])),
  };
}
