// The agent-check port of a backend (and of an L7 node's enabler): HAProxy
// connects, reads one line, and the connection ends. Anything HAProxy sends
// (agent-send) is ignored: the answer depends only on this host's file.
import { createServer, type Server, type Socket } from 'node:net';
import type { AgentReply } from '../../tiers/backend/index.js';

/** The part of a pino logger the agent-check code uses. */
export interface AgentCheckLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AgentCheckServerOptions {
  readonly host: string;
  /** 0 picks a free port; the chosen one is in the result. */
  readonly port: number;
  readonly read: () => AgentReply | Promise<AgentReply>;
  readonly logger: AgentCheckLogger;
  /** A client that has not been answered by then is dropped. */
  readonly timeoutMs?: number;
}

export interface AgentCheckServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startAgentCheckServer(opts: AgentCheckServerOptions): Promise<AgentCheckServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    answer(socket, opts);
  });
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
      }),
  };
}

/**
 * If reading fails the connection is closed without a line: HAProxy then
 * logs "Ignoring incomplete line from agent" and changes nothing, which is
 * the safest thing a broken agent can cause.
 */
function answer(socket: Socket, opts: AgentCheckServerOptions): void {
  socket.setTimeout(opts.timeoutMs ?? 2000, () => socket.destroy());
  socket.on('error', (err) => opts.logger.warn({ err: err.message }, 'agent-check connection error'));
  socket.on('data', () => undefined);
  Promise.resolve()
    .then(() => opts.read())
    .then((reply) => socket.end(reply))
    .catch((err: unknown) => {
      opts.logger.warn({ err: String(err) }, 'agent-check reply unavailable; closing without an answer');
      socket.destroy();
    });
}
