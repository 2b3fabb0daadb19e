// The calls of gobgpd's gRPC API the agent makes, as one small port: the
// real connection is api-client.ts, unit tests pass a fake RIB. Every call
// answers a value; a failure (gobgpd not there, gone mid-call, a deadline,
// an answer that does not decode) is an error string, never an exception.
import type { AddPathRequest, DeletePathRequest, ListPathRequest, Reading } from '../../../tiers/ecmp/index.js';

export interface GobgpApiPort {
  addPath(request: AddPathRequest): Promise<Reading<void>>;
  deletePath(request: DeletePathRequest): Promise<Reading<void>>;
  /** Every ListPathResponse of the stream, decoded but not checked (tiers/ecmp/gobgp-api.ts reads them). */
  listPath(request: ListPathRequest): Promise<Reading<unknown[]>>;
  /** GetBgp's answer, unchecked. */
  getBgp(): Promise<Reading<unknown>>;
  /** Every ListPeerResponse of the stream, unchecked. */
  listPeer(): Promise<Reading<unknown[]>>;
}
