#!/usr/bin/env node
// A lab backend: answers every request with its own name, the address the
// connection came from (the L7 node) and the user HAProxy forwarded for, so
// the demo can show the spread over L7 nodes and servers. /slow?seconds=N
// streams a long download for the disruption checks; /bytes?n=N sends N bytes
// and POST /sink answers the length of the body it read (the MSS check's
// downloads and uploads); /healthz is HAProxy's health check. Plain
// JavaScript: it starts in the lab without a compile step.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { name: { type: 'string' }, ports: { type: 'string' } } });
const name = values.name;
const ports = (values.ports ?? '').split(',').filter(Boolean).map(Number);
if (!name || ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
  process.stderr.write(`lab server: expected --name NAME --ports P1,P2, got ${JSON.stringify(values)}\n`);
  process.exit(2);
}

const peer = (addr) => (addr ?? '').replace(/^::ffff:/, '');

function slow(req, res, url) {
  const seconds = Math.round(Math.min(Math.max(Number(url.searchParams.get('seconds') ?? '10') || 10, 1), 600));
  // every=MS paces one 1 KB chunk per MS (default 100): the disruption bench
  // keeps hundreds of flows open without saturating the lab kernel's one CPU.
  const every = Math.round(Math.min(Math.max(Number(url.searchParams.get('every') ?? '100') || 100, 10), 5000));
  const chunks = Math.max(1, Math.round((seconds * 1000) / every));
  const chunk = Buffer.alloc(1024, 46);
  const tail = `\n${name} done\n`;
  // Content-Length lets a client tell a short read from a complete download;
  // X-Served-By names the server and the L7 node it came through, so the
  // disruption bench can count the flows a failed L7 node held.
  res.writeHead(200, {
    'content-type': 'application/octet-stream', 'x-server': name,
    'content-length': String(chunks * chunk.length + Buffer.byteLength(tail)),
    'x-served-by': `${name}.via.${peer(req.socket.remoteAddress)}`,
  });
  let sent = 0;
  const timer = setInterval(() => {
    res.write(chunk);
    if (++sent >= chunks) { clearInterval(timer); res.end(tail); }
  }, every);
  req.on('close', () => clearInterval(timer));
}

/** The most /bytes sends and POST /sink reads: the checks move 1 MB. */
const MAX_BYTES = 64 * 1024 * 1024;

function bytes(req, res, url) {
  const n = Math.round(Number(url.searchParams.get('n') ?? '0'));
  if (!Number.isFinite(n) || n < 0 || n > MAX_BYTES) {
    res.writeHead(400, { 'content-type': 'text/plain', 'x-server': name });
    res.end(`expected n between 0 and ${MAX_BYTES}\n`);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-server': name, 'content-length': String(n) });
  const chunk = Buffer.alloc(Math.min(n, 64 * 1024), 46);
  let left = n;
  // Written as the socket drains, so a slow user holds 64 KB here, not n.
  const more = () => {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) { res.once('drain', more); return; }
    }
    res.end();
  };
  more();
}

function sink(req, res) {
  let received = 0;
  req.on('data', (part) => {
    received += part.length;
    if (received > MAX_BYTES) {
      res.writeHead(413, { 'content-type': 'text/plain', 'x-server': name, connection: 'close' });
      res.end(`more than ${MAX_BYTES} bytes\n`);
      req.destroy();
    }
  });
  req.on('end', () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-server': name });
    res.end(`received=${received}\n`);
  });
}

for (const port of ports) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab');
    if (url.pathname === '/slow') return slow(req, res, url);
    if (url.pathname === '/bytes') return bytes(req, res, url);
    if (url.pathname === '/sink' && req.method === 'POST') return sink(req, res);
    const body = url.pathname === '/healthz' ? 'ok\n'
      : `${name} port=${port} from=${peer(req.socket.remoteAddress)} for=${req.headers['x-forwarded-for'] ?? '-'}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-server': name });
    res.end(body);
  });
  server.listen({ host: '::', port, ipv6Only: false }, () => process.stdout.write(`${name}: listening on port ${port}\n`));
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
