// An etcd client from the site's `etcd:` section: its endpoints, TLS files
// and the password file read here, once per client, so no secret sits in
// the site file or on a command line.
import { readFile } from 'node:fs/promises';
import type { Etcd3, IOptions } from 'etcd3';
import type { EtcdSettings } from '../../../site/index.js';

/** A setting the client cannot use (a file that cannot be read): said as it is, with no stack. */
export class EtcdSettingsError extends Error {
  readonly code = 'TIERLB_ETCD_SETTINGS';
}

/** Calls other than watches give up after this long: a cut-off member must not hold a command or a turn. */
export const CALL_DEADLINE_MS = 3000;

async function readSecret(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new EtcdSettingsError(`etcd.${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function etcdOptions(s: EtcdSettings): Promise<IOptions> {
  const options: IOptions = {
    hosts: [...s.endpoints],
    dialTimeout: s.dialTimeout.ms,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
    // Pings no more often than etcd's default --grpc-keepalive-min-time (5 s) allows.
    grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5000 },
  };
  if (s.tls) {
    options.credentials = {
      rootCertificate: await readSecret(s.tls.ca, 'tls.ca'),
      ...(s.tls.cert !== undefined ? { certChain: await readSecret(s.tls.cert, 'tls.cert') } : {}),
      ...(s.tls.key !== undefined ? { privateKey: await readSecret(s.tls.key, 'tls.key') } : {}),
    };
  }
  if (s.auth) {
    const password = (await readSecret(s.auth.passwordFile, 'auth.passwordFile')).toString('utf8').split(/\r?\n/)[0] ?? '';
    options.auth = { username: s.auth.user, password };
  }
  return options;
}

/**
 * The client library is loaded on the first connection only: it parses
 * etcd's gRPC definitions when loaded, a cost an agent whose site has no
 * etcd section should not pay.
 */
export async function connectEtcd(s: EtcdSettings): Promise<Etcd3> {
  const { Etcd3: Client } = await import('etcd3');
  return new Client(await etcdOptions(s));
}

/** An etcd or gRPC failure in one line: the member unreachable, a deadline, a refused permission. */
export function etcdErrorText(err: unknown): string {
  const e = err as { message?: string; code?: number; details?: string };
  const text = (e.details ?? e.message ?? String(err)).split('\n')[0] ?? '';
  // gRPC appends an empty "Resolution note: " to a failed connection.
  return text.replace(/\.? *Resolution note: *$/, '').slice(0, 200);
}
