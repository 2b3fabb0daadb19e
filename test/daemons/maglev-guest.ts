// Runs inside the user-mode-linux kernel (see maglev-uml.test.ts): in each
// round, makes the changes of maglev-case.ts to every service with ipvsadm,
// sends one SYN from every client to every service (nobody answers; the
// tunnelled SYNs leave through a dummy device), and reads what the kernel
// chose back from its connection table. Writes choices.json to the shared
// folder given as argv[2].
// Not a test file itself: it needs IPVS.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROUNDS, SERVICES, changesOf, clientsOf, type CaseClient, type CaseService, type KernelChoice, type RoundResult } from './maglev-case.js';

const share = process.argv[2] ?? '.';
const ipvsadm = (...args: string[]): string => execFileSync('ipvsadm', args, { encoding: 'utf8' });
const hostPort = (a: string, p: number): string => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
/** Long enough for the kernel to see every SYN of a round, well inside the 60 s a SYN_RECV entry lives. */
const SETTLE_MS = 1500;

function change(s: CaseService, round: number): void {
  const vip = hostPort(s.vip, s.port);
  if (round === 0) ipvsadm('-A', '-t', vip, '-s', 'mh', ...(s.flags.length > 0 ? ['-b', s.flags.join(',')] : []));
  for (const c of changesOf(s, round)) {
    const rs = hostPort(c.address, s.port);
    if (c.op === 'delete') ipvsadm('-d', '-t', vip, '-r', rs);
    else ipvsadm(c.op === 'add' ? '-a' : '-e', '-t', vip, '-r', rs, '-i', '-w', String(c.weight));
  }
}

async function probe(s: CaseService, clients: readonly CaseClient[]): Promise<void> {
  const sockets: Socket[] = clients.map((c) => connect({ host: s.vip, port: s.port, localAddress: c.address, localPort: c.port }).on('error', () => undefined));
  await new Promise((done) => setTimeout(done, SETTLE_MS));
  for (const sock of sockets) sock.destroy();
}

/** `[a]:p` or `a:p` as ipvsadm prints endpoints. */
function split(endpoint: string): { address: string; port: number } {
  const at = endpoint.lastIndexOf(':');
  return { address: endpoint.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(at + 1)) };
}

/** ipvsadm -Lnc: "TCP 00:59 SYN_RECV CLIENT:PORT VIP:PORT REALSERVER:PORT". */
function kernelChoices(s: CaseService, clients: readonly CaseClient[]): KernelChoice[] {
  const seen = new Map<string, string>();
  for (const line of ipvsadm('-L', '-n', '-c').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'TCP' || f.length < 6) continue;
    const [client, vip, rs] = [split(f[3] ?? ''), split(f[4] ?? ''), split(f[5] ?? '')];
    if (vip.address === s.vip && vip.port === s.port) seen.set(`${client.address} ${client.port}`, rs.address);
  }
  return clients.map((c) => ({ client: c.address, port: c.port, realServer: seen.get(`${c.address} ${c.port}`) }));
}

execFileSync('ip', ['-batch', '-'], { input: clientsOf('ipv4', 0).map((c) => `address add ${c.address}/32 dev lo`).join('\n') });
execFileSync('ip', ['-6', '-batch', '-'], { input: clientsOf('ipv6', 0).map((c) => `address add ${c.address}/128 dev lo nodad`).join('\n') });
const results: RoundResult[] = [];
const tables: string[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const s of SERVICES) change(s, round);
  tables.push(ipvsadm('-L', '-n', '--nosort'));
  for (const s of SERVICES) {
    const clients = clientsOf(s.family, round);
    await probe(s, clients);
    results.push({ round, vip: s.vip, port: s.port, choices: kernelChoices(s, clients) });
  }
}
writeFileSync(join(share, 'choices.json'), JSON.stringify({ tables, results }));
console.log(`guest: ${results.map((r) => `round ${r.round} ${r.vip}:${r.port} ${r.choices.filter((c) => c.realServer).length} scheduled`).join(', ')}`);
