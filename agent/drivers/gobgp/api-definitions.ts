// gobgpd's gRPC service, built at run time from the .proto files Debian's
// golang-github-osrg-gobgp-dev installs: they come with the gobgp release
// the node runs, so nothing of gobgp is copied into tierlb. gRPC and the
// proto loader are imported here, on first use, so an agent whose node
// speaks no gobgp never loads them (every module costs start-up time on a
// one-CPU lab node).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Grpc from '@grpc/grpc-js';
import type { Reading } from '../../../tiers/ecmp/index.js';

/** Where golang-github-osrg-gobgp-dev puts gobgp's api/ folder. */
export const GOBGP_PROTO_DIR = '/usr/share/gocode/src/github.com/osrg/gobgp/api';
export const GOBGP_PROTO_PACKAGE = 'golang-github-osrg-gobgp-dev';
/** attribute.proto defines the path attributes the Any fields carry; gobgp.proto imports capability.proto. */
const PROTO_FILES = ['gobgp.proto', 'attribute.proto', 'capability.proto'];

export interface GobgpDefinitions {
  readonly grpc: typeof Grpc;
  /** The generated client class of apipb.GobgpApi. */
  readonly GobgpApi: Grpc.ServiceClientConstructor;
}

/**
 * Loads the service from `dir`. A missing file is one line naming the
 * package to install; anything else that fails is one line too, never a
 * stack trace.
 */
export async function loadGobgpDefinitions(dir = GOBGP_PROTO_DIR): Promise<Reading<GobgpDefinitions>> {
  for (const file of PROTO_FILES) {
    const path = join(dir, file);
    const found = await access(path).then(() => true, () => false);
    if (!found) return { ok: false, error: `gobgp's API definitions are missing (${path} not found): install the Debian package ${GOBGP_PROTO_PACKAGE}` };
  }
  try {
    const [grpc, loader] = await Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader')]);
    // keepCase and json: field names as in gobgp.proto, and an Any as `@type` plus its fields (tiers/ecmp/gobgp-api.ts).
    const definition = await loader.load(PROTO_FILES, {
      includeDirs: [dir], keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, json: true,
    });
    const apipb = grpc.loadPackageDefinition(definition).apipb as Grpc.GrpcObject | undefined;
    const GobgpApi = apipb?.GobgpApi;
    if (typeof GobgpApi !== 'function') return { ok: false, error: `gobgp's API definitions in ${dir} have no service apipb.GobgpApi` };
    return { ok: true, value: { grpc, GobgpApi: GobgpApi as Grpc.ServiceClientConstructor } };
  } catch (error) {
    return { ok: false, error: `cannot load gobgp's API definitions from ${dir}: ${oneLine(error)}` };
  }
}

export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
