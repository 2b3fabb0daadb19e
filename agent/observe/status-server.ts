// The agent's local HTTP endpoint: /status (JSON for `tierlb status`) and
// /metrics (Prometheus). Read-only: nothing on it changes the agent.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { StatusReport } from './status.js';

export interface StatusEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export async function startStatusServer(host: string, port: number, status: () => Promise<StatusReport>, registry: Registry): Promise<StatusEndpoint> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET') { res.writeHead(405).end(); return; }
      if (req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await status()));
      } else if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('try /status or /metrics\n');
      }
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ready());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
