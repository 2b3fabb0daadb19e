// Zod field types that turn YAML scalars into branded values. Each one reports
// the brand constructor's reason, so the schema and the constructors cannot
// disagree about what is valid.
import { z } from 'zod';
import {
  toAsn, toCommunity, toDnsName, toFsPath, toHttpPath, toIp, toIpv4, toIpv6, toPort, toRouterId, toRunDir, toToken,
  type Checked,
} from './brand.js';
import { toDuration, toDurationAbove0 } from './duration.js';
import { toHostIp, toHostIpv4, toHostIpv6, toVip } from './address-use.js';
import { toPrefix } from './prefix.js';
import { toEtcdEndpoint, toEtcdPrefix } from './etcd.js';
import { toInterfaceName, toMulticastGroup } from './connection-sync.js';

// `format` is a JSON Schema annotation: docs/site-reference.md names the
// value's kind from it, since the schema's input type is only string/number.
function branded<T>(base: z.ZodType<string>, to: (s: string) => Checked<T>, description: string, format: string) {
  return base
    .transform((s, ctx) => {
      const r = to(s);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.reason, input: s });
      return z.NEVER;
    })
    .meta({ description, format });
}

function brandedInt<T>(to: (n: number) => Checked<T>, description: string, format: string) {
  return z
    .number()
    .transform((n, ctx) => {
      const r = to(n);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.reason, input: n });
      return z.NEVER;
    })
    .meta({ description, format });
}

export const token = (what: string) => branded(z.string(), toToken, what, 'name');
export const ipv4 = (what: string) => branded(z.string(), toIpv4, what, 'ipv4');
export const ipv6 = (what: string) => branded(z.string(), toIpv6, what, 'ipv6');
export const ip = (what: string) => branded(z.string(), toIp, what, 'ip');
export const vip = (what: string) => branded(z.string(), toVip, what, 'vip');
export const hostIp = (what: string) => branded(z.string(), toHostIp, what, 'host-ip');
export const hostIpv4 = (what: string) => branded(z.string(), toHostIpv4, what, 'host-ipv4');
export const hostIpv6 = (what: string) => branded(z.string(), toHostIpv6, what, 'host-ipv6');
export const routerId = (what: string) => branded(z.string(), toRouterId, what, 'router-id');
export const fsPath = (what: string) => branded(z.string(), toFsPath, what, 'fs-path');
export const runDir = (what: string) => branded(z.string(), toRunDir, what, 'run-dir');
export const httpPath = (what: string) => branded(z.string(), toHttpPath, what, 'http-path');
export const dnsName = (what: string) => branded(z.string(), toDnsName, what, 'dns-name');
export const community = (what: string) => branded(z.string(), toCommunity, what, 'community');
export const duration = (what: string) => branded(z.string(), toDuration, what, 'duration');
/** A duration a daemon reads as a period or a timeout, where 0 is refused or means "never". */
export const durationAbove0 = (what: string) => branded(z.string(), toDurationAbove0, what, 'duration-above-0');
export const prefix4 = (what: string) => branded(z.string(), toPrefix('ipv4'), what, 'ipv4-prefix');
export const prefix6 = (what: string) => branded(z.string(), toPrefix('ipv6'), what, 'ipv6-prefix');
export const etcdEndpoint = (what: string) => branded(z.string(), toEtcdEndpoint, what, 'etcd-endpoint');
export const etcdPrefix = (what: string) => branded(z.string(), toEtcdPrefix, what, 'etcd-prefix');
export const interfaceName = (what: string) => branded(z.string(), toInterfaceName, what, 'interface-name');
export const multicastGroup = (what: string) => branded(z.string(), toMulticastGroup, what, 'multicast-group');
export const port = (what: string) => brandedInt(toPort, what, 'port');
export const asn = (what: string) => brandedInt(toAsn, what, 'asn');

export const intIn = (min: number, max: number, description: string) =>
  z.number().int().min(min).max(max).meta({ description });
