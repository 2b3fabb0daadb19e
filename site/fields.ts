// Zod field types that turn YAML scalars into branded values. Each one reports
// the brand constructor's reason, so the schema and the constructors cannot
// disagree about what is valid.
import { z } from 'zod';
import {
  toAsn, toCommunity, toDnsName, toFsPath, toHttpPath, toIp, toIpv4, toIpv6, toPort, toToken,
  type Checked,
} from './brand.js';
import { toDuration } from './duration.js';

function branded<T>(base: z.ZodType<string>, to: (s: string) => Checked<T>, description: string) {
  return base
    .transform((s, ctx) => {
      const r = to(s);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.reason, input: s });
      return z.NEVER;
    })
    .meta({ description });
}

function brandedInt<T>(to: (n: number) => Checked<T>, description: string) {
  return z
    .number()
    .transform((n, ctx) => {
      const r = to(n);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.reason, input: n });
      return z.NEVER;
    })
    .meta({ description });
}

export const token = (what: string) =>
  branded(z.string(), toToken, `${what}: letters, digits, '.', '_', '-'; 1-63 characters`);
export const ipv4 = (what: string) => branded(z.string(), toIpv4, `${what}: an IPv4 address`);
export const ipv6 = (what: string) => branded(z.string(), toIpv6, `${what}: an IPv6 address`);
export const ip = (what: string) => branded(z.string(), toIp, `${what}: an IPv4 or IPv6 address`);
export const fsPath = (what: string) => branded(z.string(), toFsPath, `${what}: an absolute path`);
export const httpPath = (what: string) => branded(z.string(), toHttpPath, `${what}: an HTTP path starting with /`);
export const dnsName = (what: string) => branded(z.string(), toDnsName, `${what}: a DNS name`);
export const community = (what: string) =>
  branded(z.string(), toCommunity, `${what}: a BGP community "ASN:VALUE"`);
export const duration = (what: string) =>
  branded(z.string(), toDuration, `${what}: a duration such as "500ms", "3s", "2m"`);
export const port = (what: string) => brandedInt(toPort, `${what}: a port from 1 to 65535`);
export const asn = (what: string) => brandedInt(toAsn, `${what}: an AS number`);

export const intIn = (min: number, max: number, description: string) =>
  z.number().int().min(min).max(max).meta({ description });
