#!/usr/bin/env node
// The users: many HTTP requests from many client addresses in one process
// (in the users namespace), because a curl per request costs a process start,
// which the single-CPU lab kernel makes slow. Reads a JSON array of
// {url, local} from the file named by its argument and prints a JSON array of
// {url, local, ok, status, body, error, ms}; an https URL is asked without
// verifying the certificate (the lab's is self-signed), and its answer also
// carries the SHA-256 fingerprint of the certificate the server presented
// (cert). The demo also runs real curl.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const file = process.argv[2];
if (!file) {
  process.stderr.write('lab client: expected a requests file (JSON array of {url, local})\n');
  process.exit(2);
}
const requests = JSON.parse(readFileSync(file, 'utf8'));
const CONCURRENCY = 16;
// Idle time allowed on a connection: the lab kernel's one CPU can stall a
// flow for seconds when every node is busy, which is not a broken flow.
const TIMEOUT_MS = 10000;

function one({ url, local }) {
  const start = Date.now();
  return new Promise((resolve) => {
    const done = (r) => resolve({ url, local, ms: Date.now() - start, ...r });
    const tls = url.startsWith('https:');
    const request = tls ? httpsRequest : httpRequest;
    const req = request(url, { localAddress: local, timeout: TIMEOUT_MS, agent: false, ...(tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      const cert = tls ? { cert: res.socket.getPeerCertificate().fingerprint256 } : {};
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => done({ ok: res.statusCode === 200, status: res.statusCode, body: body.trim(), ...cert }));
      res.on('error', (e) => done({ ok: false, error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => done({ ok: false, error: e.code ?? e.message }));
    req.end();
  });
}

const results = new Array(requests.length);
let next = 0;
async function worker() {
  while (next < requests.length) {
    const i = next++;
    results[i] = await one(requests[i]);
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
process.stdout.write(JSON.stringify(results));
