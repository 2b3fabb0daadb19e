// The values of the site's `etcd:` section that reach a client library or a
// key: endpoints as URLs of a fixed shape (no credentials, no path), and a
// key prefix of plain path characters.
import type { Brand, Checked } from './brand.js';

/** `http://HOST:PORT` or `https://HOST:PORT`; HOST a name, an IPv4 address or a bracketed IPv6 address. */
export type EtcdEndpoint = Brand<string, 'EtcdEndpoint'>;
/** `/a/b`: starts with '/', no '//' and no trailing '/'. */
export type EtcdPrefix = Brand<string, 'EtcdPrefix'>;

const ENDPOINT_RE = /^https?:\/\/(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

export function toEtcdEndpoint(s: string): Checked<EtcdEndpoint> {
  const m = ENDPOINT_RE.exec(s);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) {
    return { ok: false, reason: `expected an etcd client URL such as "http://10.0.4.10:2379" or "https://[fd00::10]:2379" (scheme, host and port only), got ${JSON.stringify(s)}` };
  }
  return { ok: true, value: s as EtcdEndpoint };
}

const PREFIX_RE = /^(\/[A-Za-z0-9_.-]+)+$/;

export function toEtcdPrefix(s: string): Checked<EtcdPrefix> {
  if (!PREFIX_RE.test(s) || s.length > 200) {
    return { ok: false, reason: `expected a key prefix such as "/tierlb/site-a": '/'-separated parts of letters, digits, '_', '.' and '-', no trailing '/', at most 200 characters, got ${JSON.stringify(s)}` };
  }
  return { ok: true, value: s as EtcdPrefix };
}
