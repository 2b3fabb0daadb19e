// BIRD's control socket, spoken directly: what `birdc` does, without forking
// a process from the agent (on a loaded one-CPU L4 node the fork and exec of
// birdc were most of the second a BGP change took; BIRD itself is fast).
//
// The protocol (BIRD 2.0.12, tried): BIRD greets with `0001 BIRD 2.0.12
// ready.`; the client sends one command line; the reply is lines `DDDD-text`
// (more follow), ` text` (continuation, same code as the line before) and
// ends with `DDDD text`. Codes 0xxx: done, 1xxx/2xxx: data and table
// headings, 8xxx: run-time error, 9xxx: parse error of the command.
//
// The parser is pure (bytes in, lines out); birdControl() is the port. One
// connection per command: nothing to resynchronise after a timeout or a
// half-read reply, and a configure is rare enough that the connect costs
// nothing worth saving.
import { createConnection } from 'node:net';

export interface BirdReplyLine {
  /** Four digits; a continuation line carries the code of the line before. */
  readonly code: string;
  readonly text: string;
}

export type BirdReplyReading =
  /** `consumed` bytes made the reply; anything after them belongs to the next one. */
  | { readonly kind: 'complete'; readonly lines: readonly BirdReplyLine[]; readonly consumed: number }
  | { readonly kind: 'partial'; readonly lines: readonly BirdReplyLine[] }
  | { readonly kind: 'garbage'; readonly error: string };

const NEWLINE = 0x0a;
const MORE = /^(\d{4})-(.*)$/s;
const FINAL = /^(\d{4}) (.*)$/s;

/** Reads one reply from the start of `bytes`: the lines so far, and whether its final line has come. */
export function readBirdReply(bytes: Uint8Array): BirdReplyReading {
  const lines: BirdReplyLine[] = [];
  const decoder = new TextDecoder();
  let start = 0;
  for (let end = bytes.indexOf(NEWLINE, start); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
    const line = decoder.decode(bytes.subarray(start, end));
    start = end + 1;
    const final = FINAL.exec(line);
    if (final) return { kind: 'complete', lines: [...lines, { code: final[1] ?? '', text: final[2] ?? '' }], consumed: start };
    const more = MORE.exec(line);
    const previous = lines.at(-1);
    if (more) lines.push({ code: more[1] ?? '', text: more[2] ?? '' });
    else if (line.startsWith(' ') && previous) lines.push({ code: previous.code, text: line.slice(1) });
    else return { kind: 'garbage', error: `expected a BIRD reply line ("DDDD-text", "DDDD text" or " text" after one of them), got ${JSON.stringify(line.slice(0, 200))}` };
  }
  return { kind: 'partial', lines };
}

/** A reply as one string for messages and logs: `0002-Reading configuration from …; 8002 …: syntax error`. */
export function describeBirdReply(lines: readonly BirdReplyLine[], complete = true): string {
  if (lines.length === 0) return 'nothing';
  return lines.map((l, i) => `${l.code}${complete && i === lines.length - 1 ? ' ' : '-'}${l.text}`).join('; ');
}

export type BirdCommandResult =
  | { readonly ok: true; readonly lines: readonly BirdReplyLine[] }
  | { readonly ok: false; readonly error: string };

export interface BirdControl {
  /** The socket, for messages. */
  readonly socket: string;
  /** One command, its whole reply. A reply with an error code is still `ok`: the caller reads the codes. */
  command(text: string, timeoutMs?: number): Promise<BirdCommandResult>;
}

const DEFAULT_TIMEOUT_MS = 10000;
/** BIRD 2.0.12 drops the connection on a command line of 1023 characters or more (tried); ours are short. */
const MAX_COMMAND = 512;
/** A reply larger than this is not one we asked for (a full `show route` could be; the agent never asks). */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;
const GREETING = '0001';

/** A command that is one printable line, or why not. */
export function refuseBirdCommand(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) return `expected a BIRD command without newlines or control characters, got ${JSON.stringify(text.slice(0, 200))}`;
  if (text.trim() === '') return 'expected a BIRD command, got an empty one';
  if (text.length > MAX_COMMAND) return `expected a BIRD command of at most ${MAX_COMMAND} characters, got ${text.length}`;
  return undefined;
}

export function birdControl(socket: string): BirdControl {
  return {
    socket,
    command(text, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const refused = refuseBirdCommand(text);
      if (refused) return Promise.resolve({ ok: false, error: refused });
      return exchange(socket, text, timeoutMs);
    },
  };
}

/** Connect, await the greeting, send the command, read its reply, close; every outcome within `timeoutMs`. */
function exchange(socket: string, text: string, timeoutMs: number): Promise<BirdCommandResult> {
  return new Promise((resolve) => {
    const what = `BIRD on ${socket}, command "${text}"`;
    let buffer: Buffer = Buffer.alloc(0);
    let greeted = false;
    let settled = false;
    const conn = createConnection(socket);
    const finish = (result: BirdCommandResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(result);
    };
    const fail = (error: string): void => finish({ ok: false, error: `${what}: ${error}` });
    const timer = setTimeout(() => fail(`no complete reply within ${timeoutMs} ms${greeted ? '' : ' (no greeting)'}`), timeoutMs);

    conn.on('error', (e: NodeJS.ErrnoException) => fail(connectError(e)));
    conn.on('close', () => {
      const got = readBirdReply(buffer);
      fail(`BIRD closed the connection before the end of its ${greeted ? 'reply' : 'greeting'}${got.kind === 'partial' ? ` (got: ${describeBirdReply(got.lines, false)})` : ''}`);
    });
    conn.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > MAX_REPLY_BYTES) return fail(`expected a reply of at most ${MAX_REPLY_BYTES} bytes, got more`);
      const got = readBirdReply(buffer);
      if (got.kind === 'garbage') return fail(got.error);
      if (got.kind === 'partial') return;
      if (greeted) return finish({ ok: true, lines: got.lines });
      const code = got.lines.at(-1)?.code;
      if (code !== GREETING) return fail(`expected the greeting ${GREETING}, got ${describeBirdReply(got.lines)}`);
      greeted = true;
      // BIRD says nothing before it has a command: bytes after the greeting are not ours to read.
      if (got.consumed !== buffer.length) return fail(`expected nothing after the greeting, got ${JSON.stringify(buffer.subarray(got.consumed).toString('utf8').slice(0, 200))}`);
      buffer = Buffer.alloc(0);
      conn.write(`${text}\n`);
    });
  });
}

function connectError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'no such socket (is BIRD running?)';
    case 'ECONNREFUSED': return 'connection refused (socket left by a BIRD that is not running?)';
    case 'EACCES': return 'permission denied on the socket';
    default: return e.message;
  }
}

/**
 * Replies of `configure` meaning BIRD has taken the new config: 0003
 * Reconfigured, 0004 Reconfiguration in progress, 0005 Reconfiguration already
 * in progress, queueing new config (the last two apply it in the background).
 * Anything else keeps the old one: 8002 is a file error, 0006 "Reconfiguration
 * ignored, shutting down".
 */
export const BIRD_CONFIGURE_ACCEPTED_CODES: ReadonlySet<string> = new Set(['0003', '0004', '0005']);

/** Asks BIRD to re-read its config: undefined when it took it, else why not, quoting BIRD. */
export async function birdConfigure(control: BirdControl, timeoutMs?: number): Promise<string | undefined> {
  const r = await control.command('configure', timeoutMs);
  if (!r.ok) return `expected BIRD to reconfigure: ${r.error}`;
  const code = r.lines.at(-1)?.code ?? '';
  return BIRD_CONFIGURE_ACCEPTED_CODES.has(code) ? undefined : `expected BIRD on ${control.socket} to reconfigure, got ${describeBirdReply(r.lines)}`;
}
