// The BIRD control port against a real BIRD on a temp socket (no kernel
// protocol, so it touches no routing table), and against tiny fake servers
// for what a healthy BIRD never does: stall, hang up mid-reply.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdConfigure, birdControl } from '../../agent/drivers/bird/control.js';
import { eventually } from './ecmp-netns.js';

const GOOD = 'router id 192.0.2.1;\nprotocol device {}\nprotocol static vips { ipv4; route 198.51.100.1/32 blackhole; }\n';
const BROKEN = 'router id 192.0.2.1;\nprotocol device {}\nprotocol static vips { ipv4; route 198.51.100.1/32 blackhole }\n';

describe('birdControl against BIRD 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-bird-control-'));
  const conf = join(dir, 'bird.conf');
  const socket = join(dir, 'bird.ctl');
  let bird: ResultPromise | undefined;

  beforeAll(async () => {
    writeFileSync(conf, GOOD);
    bird = execa('bird', ['-f', '-c', conf, '-s', socket, '-P', join(dir, 'bird.pid')], { reject: false, all: true });
    await eventually(async () => (await birdControl(socket).command('show status', 1000)).ok, 10000);
  });

  afterAll(async () => {
    bird?.kill('SIGTERM');
    await bird;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a reply of several lines with continuations', async () => {
    const r = await birdControl(socket).command('show status');
    expect(r.ok).toBe(true);
    const lines = r.ok ? r.lines : [];
    expect(lines[0]).toEqual({ code: '1000', text: expect.stringMatching(/^BIRD 2\./) as string });
    expect(lines.some((l) => l.code === '1011' && l.text.startsWith('Hostname is'))).toBe(true);
    expect(lines.at(-1)).toEqual({ code: '0013', text: 'Daemon is up and running' });
  });

  it('configures: BIRD takes a good file', async () => {
    writeFileSync(conf, GOOD.replace('198.51.100.1/32', '198.51.100.2/32'));
    expect(await birdConfigure(birdControl(socket))).toBeUndefined();
    const routes = await birdControl(socket).command('show route');
    expect(routes.ok ? routes.lines.map((l) => l.text).join('\n') : '').toMatch(/198\.51\.100\.2\/32/);
  });

  it('refuses a broken file with BIRD\'s own message, and BIRD keeps the old config', async () => {
    writeFileSync(conf, GOOD.replace('198.51.100.1/32', '198.51.100.3/32'));
    expect(await birdConfigure(birdControl(socket))).toBeUndefined();
    writeFileSync(conf, BROKEN);
    const refused = await birdConfigure(birdControl(socket));
    expect(refused).toMatch(new RegExp(`^expected BIRD on ${socket} to reconfigure, got 0002-Reading configuration from ${conf}; 8002 ${conf}:3:\\d+ syntax error`));
    const routes = await birdControl(socket).command('show route');
    expect(routes.ok ? routes.lines.map((l) => l.text).join('\n') : '').toMatch(/198\.51\.100\.3\/32/);
    writeFileSync(conf, GOOD);
  });

  it('answers an unknown command with a 9xxx parse error, as a reply', async () => {
    expect(await birdControl(socket).command('bogus command')).toEqual({ ok: true, lines: [{ code: '9001', text: 'syntax error, unexpected CF_SYM_UNDEFINED' }] });
  });

  it('refuses a command with a newline without sending any of it', async () => {
    const r = await birdControl(socket).command('show status\ndown');
    expect(r).toEqual({ ok: false, error: 'expected a BIRD command without newlines or control characters, got "show status\\ndown"' });
    // `down` would have stopped BIRD.
    expect((await birdControl(socket).command('show status')).ok).toBe(true);
    expect(bird?.exitCode).toBeNull();
  });

  it('says clearly when there is no socket, or nobody behind it', async () => {
    const missing = join(dir, 'missing.ctl');
    expect(await birdConfigure(birdControl(missing))).toBe(`expected BIRD to reconfigure: BIRD on ${missing}, command "configure": no such socket (is BIRD running?)`);
    // A socket file left behind by a process that is gone.
    const stale = join(dir, 'stale.ctl');
    await execa('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', stale]);
    expect(existsSync(stale)).toBe(true);
    expect(await birdControl(stale).command('configure')).toEqual({ ok: false, error: `BIRD on ${stale}, command "configure": connection refused (socket left by a BIRD that is not running?)` });
  });
});

describe('birdControl against a misbehaving server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-bird-control-fake-'));
  const servers: Server[] = [];
  const received: string[] = [];

  /** A server that greets like BIRD, records what it gets, then does `then` with the connection. */
  async function fake(name: string, then: (conn: Socket, line: string) => void, greeting = '0001 BIRD 2.0.12 ready.\n'): Promise<string> {
    const path = join(dir, name);
    const server = createServer((conn) => {
      conn.write(greeting);
      conn.on('data', (d) => { received.push(`${name}:${d.toString()}`); then(conn, d.toString()); });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return path;
  }

  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives up after the timeout when no reply comes', async () => {
    const path = await fake('silent.ctl', () => undefined);
    const r = await birdControl(path).command('configure', 300);
    expect(r).toEqual({ ok: false, error: `BIRD on ${path}, command "configure": no complete reply within 300 ms` });
    expect(received).toContain('silent.ctl:configure\n');
  });

  it('gives up after the timeout when no greeting comes', async () => {
    const path = await fake('mute.ctl', () => undefined, '');
    expect(await birdControl(path).command('configure', 300)).toEqual({ ok: false, error: `BIRD on ${path}, command "configure": no complete reply within 300 ms (no greeting)` });
    expect(received.some((r) => r.startsWith('mute.ctl:'))).toBe(false);
  });

  it('says so when the server hangs up in the middle of a reply', async () => {
    const path = await fake('hangup.ctl', (conn) => conn.end('0002-Reading configuration from /x/bird.conf\n'));
    expect(await birdControl(path).command('configure')).toEqual({ ok: false, error: `BIRD on ${path}, command "configure": BIRD closed the connection before the end of its reply (got: 0002-Reading configuration from /x/bird.conf)` });
  });

  it('refuses a server that does not speak BIRD', async () => {
    const http = await fake('http.ctl', () => undefined, 'HTTP/1.1 400 Bad Request\r\n');
    expect(await birdControl(http).command('configure', 2000)).toEqual({ ok: false, error: `BIRD on ${http}, command "configure": expected a BIRD reply line ("DDDD-text", "DDDD text" or " text" after one of them), got "HTTP/1.1 400 Bad Request\\r"` });
    const other = await fake('other.ctl', () => undefined, '0016 Access restricted\n');
    expect(await birdControl(other).command('configure', 2000)).toEqual({ ok: false, error: `BIRD on ${other}, command "configure": expected the greeting 0001, got 0016 Access restricted` });
  });
});
