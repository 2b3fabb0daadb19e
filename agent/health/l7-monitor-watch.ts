// A connection held open to an L7 node's monitor port between checks. It
// carries nothing; its only news is its end. When HAProxy dies, its kernel
// closes the connection at once (FIN, or RST), so the L4 node checks then
// instead of up to an interval later, and the check's refusal takes the node
// out without waiting for `fall`. A close for any other reason (HAProxy's
// client timeout on an idle connection, a reload handing over to new
// workers) costs one extra check that finds it up.
import { connect } from 'node:net';

export interface WatchTarget {
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
}

/** Opens a watch; `closed` is called once, when the connection ends or cannot be made. Returns the function that ends it quietly. */
export type MonitorWatch = (t: WatchTarget, closed: () => void) => () => void;

export const tcpMonitorWatch: MonitorWatch = (t, closed) => {
  let quiet = false;
  const socket = connect({ host: t.address, port: t.port, ...(t.localAddress ? { localAddress: t.localAddress } : {}) });
  socket.setNoDelay(true);
  // A refusal or reset ends in 'close' too; the error itself says nothing the next check will not.
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  socket.once('close', () => { if (!quiet) closed(); });
  return () => {
    quiet = true;
    socket.destroy();
  };
};
