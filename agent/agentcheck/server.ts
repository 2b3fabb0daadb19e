// The agent-check port of a backend (and of an L7 node's enabler): HAProxy
// connects, may send an agent-send string, reads one line, and closes.
// Anything it sends is ignored: the answer depends only on this host's file.
// The port is open to whatever reaches the host, so every connection is
// bounded in time, in input and in number, and what misbehaving clients do
// is counted and logged at a bounded rate.
import { createServer, type Server, type Socket } from 'node:net';
import type { AgentReply } from '../../tiers/backend/index.js';
import type { Metrics } from '../observe/metrics.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { ComplaintLog, type Complaint } from './complaints.js';

/** The part of a pino logger the agent-check code uses. */
export interface AgentCheckLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * The longest a connection stays open, from accept, whatever the client does.
 * An exchange with HAProxy takes milliseconds (one small file read), and
 * HAProxy itself gives an agent check up after `timeout check` past the
 * connect (the site's default check timeout is 1 s) or, in a backend without
 * it (the enabler), after agent-inter (1 s): at 2 s a connection is one
 * HAProxy has given up, or one that never was HAProxy's.
 */
export const AGENT_CHECK_LIFETIME_MS = 2000;
/**
 * Open connections at once; the next ones are closed on accept. HAProxy opens
 * one per server line that names this host, per L7 node, per agent-inter, and
 * each lasts milliseconds: a few dozen at a time at most. 256 leaves room for
 * that many times over, and stays far below the default 1024 open files the
 * agent shares with its other sockets and its daemons' pipes.
 */
export const AGENT_CHECK_MAX_CONNECTIONS = 256;
/** HAProxy sends nothing, or one agent-send string; more than this is not HAProxy. */
export const AGENT_CHECK_MAX_INPUT_BYTES = 1024;
/** At most one log line per kind of misbehaviour per this interval. */
export const AGENT_CHECK_COMPLAINT_INTERVAL_MS = 10_000;

export interface AgentCheckServerOptions {
  readonly host: string;
  /** 0 picks a free port; the chosen one is in the result. */
  readonly port: number;
  readonly read: () => AgentReply | Promise<AgentReply>;
  readonly logger: AgentCheckLogger;
  /** Every connection is closed by then, answered or not; default AGENT_CHECK_LIFETIME_MS. */
  readonly lifetimeMs?: number;
  /** Default AGENT_CHECK_MAX_CONNECTIONS. */
  readonly maxConnections?: number;
  /** Default AGENT_CHECK_COMPLAINT_INTERVAL_MS. */
  readonly complaintIntervalMs?: number;
  /** Counts the connections closed on a misbehaving client, by reason. */
  readonly metrics?: Pick<Metrics, 'agentCheckRejected'>;
  readonly clock?: Clock;
}

export interface AgentCheckServer {
  readonly port: number;
  close(): Promise<void>;
}

type Rejection = Exclude<Complaint, 'unavailable'>;

export async function startAgentCheckServer(opts: AgentCheckServerOptions): Promise<AgentCheckServer> {
  const clock = opts.clock ?? systemClock;
  const complaints = new ComplaintLog(opts.logger, opts.complaintIntervalMs ?? AGENT_CHECK_COMPLAINT_INTERVAL_MS, () => clock.now());
  const reject = (reason: Rejection, fields: object): void => {
    opts.metrics?.agentCheckRejected.inc({ reason });
    complaints.note(reason, fields);
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    answer(socket, opts, reject, complaints);
  });
  // Node closes a connection over the cap on accept, before the handler, and emits 'drop'.
  server.maxConnections = opts.maxConnections ?? AGENT_CHECK_MAX_CONNECTIONS;
  server.on('drop', (d) => reject('cap', { remote: d?.remoteAddress, maxConnections: server.maxConnections }));
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ready());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
        complaints.flush();
      }),
  };
}

/**
 * If reading fails the connection is closed without a line: HAProxy then
 * logs "Ignoring incomplete line from agent" and changes nothing, which is
 * the safest thing a broken agent can cause.
 */
function answer(socket: Socket, opts: AgentCheckServerOptions, reject: (reason: Rejection, fields: object) => void, complaints: ComplaintLog): void {
  const remote = socket.remoteAddress;
  let answered = false;
  // A bound on the whole connection, not on idle time: input the server
  // ignores must not keep a connection open (socket.setTimeout restarts on it).
  const lifetime = setTimeout(() => {
    reject('lifetime', { remote, answered });
    socket.destroy();
  }, opts.lifetimeMs ?? AGENT_CHECK_LIFETIME_MS);
  socket.on('close', () => clearTimeout(lifetime));
  // HAProxy ends every check with a reset once it has the answer (it frees
  // the port at once): a reset after the answer is its normal close.
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (!answered) reject('reset', { remote, err: err.code ?? err.message });
  });
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received <= AGENT_CHECK_MAX_INPUT_BYTES) return;
    reject('input', { remote, bytes: received });
    socket.destroy();
  });
  Promise.resolve()
    .then(() => opts.read())
    .then((reply) => {
      answered = true;
      if (!socket.destroyed) socket.end(reply);
    })
    .catch((err: unknown) => {
      complaints.note('unavailable', { err: String(err) });
      socket.destroy();
    });
}
