#!/usr/bin/env node
// A lab backend: answers every request with its own name, the address the
// connection came from (the L7 node) and the user HAProxy forwarded for, so
// the demo can show the spread over L7 nodes and servers. /slow?seconds=N
// streams a long download for the disruption checks; /bytes?n=N sends N bytes
// and POST /sink answers the length of the body it read (the MSS check's
// downloads and uploads); /healthz is HAProxy's health check. A connection
// may open with a PROXY protocol v2 header (a service with proxyProtocol: v2):
// it is read off, and its source address answered as proxy=ADDRESS; without
// one the server answers as before. Plain JavaScript: it starts in the lab
// without a compile step.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
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

// ---- PROXY protocol v2 (haproxy's doc/proxy-protocol.txt, section 2.2) ----

const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** A header longer than this is not one HAProxy sends for TCP over IPv4 or IPv6 (no TLVs here): refused. */
const PROXY_V2_MAX = 16 + 216;

/**
 * What the first bytes of a connection say: 'more' (too few bytes to tell),
 * 'none' (no PROXY header: plain HTTP), or the header's length and the
 * source address it carries (none for a LOCAL command, as health checks send).
 */
function readProxyV2(buf) {
  const prefix = buf.subarray(0, Math.min(buf.length, PROXY_V2_SIGNATURE.length));
  if (!prefix.equals(PROXY_V2_SIGNATURE.subarray(0, prefix.length))) return { kind: 'none' };
  if (buf.length < 16) return { kind: 'more' };
  const length = 16 + buf.readUInt16BE(14);
  if (length > PROXY_V2_MAX) return { kind: 'bad' };
  if (buf.length < length) return { kind: 'more' };
  const command = buf[12] & 0x0f;
  const family = buf[13] >> 4;
  let source;
  if (command === 1 && family === 1 && length >= 16 + 12) source = [...buf.subarray(16, 20)].join('.');
  if (command === 1 && family === 2 && length >= 16 + 36) {
    const groups = [];
    for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(16 + i * 2).toString(16));
    source = groups.join(':');
  }
  return { kind: 'header', length, source };
}

/** Hands `socket` to the HTTP server once any PROXY header is read off it; the header's source stays on the socket. */
function acceptWithProxy(http, socket) {
  let buf = Buffer.alloc(0);
  const onData = (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    const r = readProxyV2(buf);
    if (r.kind === 'more') return;
    socket.off('data', onData);
    if (r.kind === 'bad') { socket.destroy(); return; }
    if (r.kind === 'header') socket.proxySource = r.source ?? 'local';
    const rest = r.kind === 'header' ? buf.subarray(r.length) : buf;
    socket.pause();
    if (rest.length > 0) socket.unshift(rest);
    http.emit('connection', socket);
    socket.resume();
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

for (const port of ports) {
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab');
    if (url.pathname === '/slow') return slow(req, res, url);
    if (url.pathname === '/bytes') return bytes(req, res, url);
    if (url.pathname === '/sink' && req.method === 'POST') return sink(req, res);
    const proxy = req.socket.proxySource ? ` proxy=${req.socket.proxySource}` : '';
    const body = url.pathname === '/healthz' ? 'ok\n'
      : `${name} port=${port} from=${peer(req.socket.remoteAddress)} for=${req.headers['x-forwarded-for'] ?? '-'}${proxy}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-server': name });
    res.end(body);
  });
  const server = createTcpServer((socket) => acceptWithProxy(http, socket));
  server.listen({ host: '::', port, ipv6Only: false }, () => process.stdout.write(`${name}: listening on port ${port}\n`));
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
