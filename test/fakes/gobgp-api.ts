// A fake gobgpd behind its gRPC API: the global RIB, where AddPath replaces
// our path of a prefix and DeletePath removes it, and ListPath answers in the
// shape proto-loader decodes gobgpd 3.10's answers. It fails the test on what
// the agent must never do: an AddPath that changes nothing (when `strict`), a
// DeletePath of a path that is not there, a request for another table.
import type { GobgpApiPort } from '../../agent/drivers/gobgp/api-port.js';
import type { AddPathRequest, DeletePathRequest, GobgpAny, GobgpPath, ListPathRequest, Reading } from '../../tiers/ecmp/gobgp-api.js';

const T = 'type.googleapis.com/apipb.';

export interface FakePath {
  readonly communities: readonly number[];
  /** Set on a path a peer sent. */
  readonly neighbor?: string;
}

export class FakeGobgpApi implements GobgpApiPort {
  readonly rib = new Map<string, FakePath[]>();
  /** `add PREFIX` and `del PREFIX`, in the order they came. */
  readonly writes: string[] = [];
  strict = true;
  failAdd: string | undefined;
  /** Every call answers this error, as a gobgpd that is not there. */
  unreachable: string | undefined;
  /** ListPath answers these instead of the RIB. */
  listAnswers: unknown[] | undefined;

  learn(prefix: string, neighbor: string): void {
    this.rib.set(prefix, [...(this.rib.get(prefix) ?? []), { communities: [], neighbor }]);
  }

  own(prefix: string): FakePath | undefined {
    return this.rib.get(prefix)?.find((p) => p.neighbor === undefined);
  }

  async addPath(request: AddPathRequest): Promise<Reading<void>> {
    if (this.unreachable !== undefined) return { ok: false, error: this.unreachable };
    const prefix = prefixOf(request.table_type, request.path);
    this.writes.push(`add ${prefix}`);
    if (this.failAdd === prefix) return { ok: false, error: 'AddPath: 2 UNKNOWN: rpc error' };
    const communities = request.path.pattrs.filter((a) => a['@type'] === `${T}CommunitiesAttribute`).flatMap((a) => a.communities as number[]);
    if (this.strict && JSON.stringify(this.own(prefix)?.communities) === JSON.stringify(communities)) throw new Error(`fake gobgpd: add of ${prefix} changes nothing`);
    this.rib.set(prefix, [...this.peers(prefix), { communities }]);
    return { ok: true, value: undefined };
  }

  async deletePath(request: DeletePathRequest): Promise<Reading<void>> {
    if (this.unreachable !== undefined) return { ok: false, error: this.unreachable };
    const prefix = prefixOf(request.table_type, request.path);
    this.writes.push(`del ${prefix}`);
    if (!this.own(prefix)) throw new Error(`fake gobgpd: del of ${prefix}, which is not announced`);
    this.rib.set(prefix, this.peers(prefix));
    return { ok: true, value: undefined };
  }

  async listPath(request: ListPathRequest): Promise<Reading<unknown[]>> {
    if (this.unreachable !== undefined) return { ok: false, error: this.unreachable };
    if (this.listAnswers) return { ok: true, value: this.listAnswers };
    const v6 = request.family.afi === 'AFI_IP6';
    const entries = [...this.rib].filter(([prefix, paths]) => prefix.includes(':') === v6 && paths.length > 0);
    return { ok: true, value: entries.map(([prefix, paths]) => ({ destination: { prefix, paths: paths.map((p) => answerPath(prefix, p)) } })) };
  }

  async getBgp(): Promise<Reading<unknown>> {
    return this.unreachable !== undefined ? { ok: false, error: this.unreachable } : { ok: true, value: { global: { asn: 64512, router_id: '10.0.0.21' } } };
  }

  async listPeer(): Promise<Reading<unknown[]>> {
    return this.unreachable !== undefined ? { ok: false, error: this.unreachable } : { ok: true, value: [] };
  }

  private peers(prefix: string): FakePath[] {
    return (this.rib.get(prefix) ?? []).filter((p) => p.neighbor !== undefined);
  }
}

function prefixOf(table: string, path: GobgpPath): string {
  if (table !== 'GLOBAL') throw new Error(`fake gobgpd: expected the GLOBAL table, got ${table}`);
  const nlri: GobgpAny = path.nlri;
  return `${String(nlri.prefix)}/${String(nlri.prefix_len)}`;
}

function answerPath(prefix: string, p: FakePath): unknown {
  return {
    nlri: { prefix_len: Number(prefix.split('/')[1]), prefix: prefix.split('/')[0], '@type': `${T}IPAddressPrefix` },
    pattrs: [{ '@type': `${T}OriginAttribute` }, ...(p.communities.length > 0 ? [{ communities: p.communities, '@type': `${T}CommunitiesAttribute` }] : [])],
    best: true, source_id: p.neighbor ?? '<nil>', neighbor_ip: p.neighbor ?? '<nil>',
  };
}
