// The agent's view of the site file: the last good Site, replaced only by a
// file that parses and validates as a whole. A bad edit is refused with
// every issue listed, and the agent keeps running on what it had.
//
// The file is re-read while the agent runs, so reading it is bounded:
//
//   The site file must be a regular file (a symlink to one is followed) of
//   at most 1 MiB (SITE_FILE_MAX_BYTES), in UTF-8 (a leading BOM is
//   ignored), with one YAML document nested at most 64 levels deep, at most
//   1,000 alias uses (`*name`) and at most 1,000,000 values once aliases are
//   expanded. Anything else (a FIFO, a directory, a larger file, an alias
//   bomb) is refused with one log line and a metric, in milliseconds, and
//   the agent keeps the last good site.
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { formatIssue, nodeNamed, overrideNode, parseSiteText, type NodeOverrides, type Site } from '../../site/index.js';
import { cutShort, SITE_FILE_MAX_BYTES } from '../../site/limits.js';

export { SITE_FILE_MAX_BYTES };

export type SiteLoad =
  | { readonly kind: 'loaded'; readonly site: Site }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'refused'; readonly issues: readonly string[] };

export type SiteFileRead =
  | { ok: true; text: string }
  /** The file could not be read: missing, not a regular file, too large, an I/O error. */
  | { ok: false; kind: 'unreadable'; reason: string }
  /** Read, but its bytes are not UTF-8 text; `line` is where the first bad byte is. */
  | { ok: false; kind: 'invalid'; reason: string; line: number };

/** One issue stays one readable line; a refusal lists this many at most. */
const ISSUE_MAX_CHARS = 500;
const ISSUES_MAX = 100;

export class SiteSource {
  private current: Site | undefined;
  private lastText: string | undefined;

  constructor(private readonly file: string, private readonly nodeName: string, private readonly overrides: NodeOverrides = {}) {}

  get site(): Site | undefined {
    return this.current;
  }

  /** Never throws or rejects: whatever goes wrong is a refusal, and the last good site stays. */
  async reload(): Promise<SiteLoad> {
    try {
      return shorten(await this.load());
    } catch (err) {
      return shorten(refused(`${this.file}: unexpected error while loading the site: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private async load(): Promise<SiteLoad> {
    const read = await readSiteFile(this.file);
    if (!read.ok) return refused(`${this.file}: ${read.reason}`);
    if (read.text === this.lastText) return { kind: 'unchanged' };
    const result = parseSiteText(read.text);
    if (!result.ok) return { kind: 'refused', issues: result.issues.map((i) => formatIssue(i, this.file)) };
    if (!nodeNamed(result.site, this.nodeName)) return refused(`${this.file}: node "${this.nodeName}" is not in the site any more`);
    if (this.current && nodeNamed(this.current, this.nodeName)?.role !== nodeNamed(result.site, this.nodeName)?.role) {
      return refused(`${this.file}: the role of "${this.nodeName}" changed; restart the agent to change roles`);
    }
    const site = overrideNode(result.site, this.nodeName, this.overrides);
    if (!site.ok) return refused(`agent options: ${site.reason}`);
    this.lastText = read.text;
    this.current = site.value;
    return { kind: 'loaded', site: site.value };
  }
}

/**
 * The text of the site file, or why it cannot be used. Opened non-blocking
 * (a FIFO would otherwise block the open until a writer came), checked to be
 * a regular file within the limit before a byte is read, and read with a
 * bound in case it grows between the check and the read.
 */
export async function readSiteFile(file: string): Promise<SiteFileRead> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return unreadable(`cannot open: ${(err as Error).message}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return unreadable(`expected a regular file, got ${kindOf(stats)}`);
    if (stats.size > SITE_FILE_MAX_BYTES) return unreadable(tooLarge(stats.size));
    return decode(await readAtMost(handle, SITE_FILE_MAX_BYTES + 1));
  } catch (err) {
    return unreadable(`cannot read: ${(err as Error).message}`);
  } finally {
    await handle.close();
  }
}

async function readAtMost(handle: FileHandle, max: number): Promise<Buffer> {
  const buffer = Buffer.alloc(max);
  let filled = 0;
  while (filled < max) {
    const { bytesRead } = await handle.read(buffer, filled, max - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function decode(bytes: Buffer): SiteFileRead {
  if (bytes.length > SITE_FILE_MAX_BYTES) return unreadable(`${tooLarge(bytes.length)} (it grew while being read)`);
  // Editors on Windows save "Unicode" as UTF-16 with a byte-order mark: say so, in one line.
  const utf16 = UTF16_BOMS.find((b) => bytes[0] === b.bytes[0] && bytes[1] === b.bytes[1]);
  if (utf16) return { ok: false, kind: 'invalid', reason: `expected UTF-8 text, got ${utf16.name} (the file starts with its byte-order mark); save it as UTF-8`, line: 1 };
  try {
    // fatal: a Latin-1 file would otherwise load with U+FFFD in its names. The BOM is dropped.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, kind: 'invalid', reason: 'expected UTF-8 text, got bytes that are not valid UTF-8', line: lineOfFirstInvalid(bytes) };
  }
}

const UTF16_BOMS = [{ name: 'UTF-16LE', bytes: [0xff, 0xfe] }, { name: 'UTF-16BE', bytes: [0xfe, 0xff] }] as const;

/** The line of the first byte that is not UTF-8: where a lenient decode first put U+FFFD that the file did not hold. */
function lineOfFirstInvalid(bytes: Buffer): number {
  const text = new TextDecoder('utf-8').decode(bytes);
  const literal = bytes.indexOf(Buffer.from('\uFFFD', 'utf8')) >= 0;
  const at = literal ? -1 : text.indexOf('\uFFFD');
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

function unreadable(reason: string): SiteFileRead {
  return { ok: false, kind: 'unreadable', reason };
}

function tooLarge(size: number): string {
  return `expected a file of at most ${SITE_FILE_MAX_BYTES} bytes (1 MiB), got ${size} bytes`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'something else';
}

function refused(issue: string): SiteLoad {
  return { kind: 'refused', issues: [issue] };
}

function shorten(load: SiteLoad): SiteLoad {
  if (load.kind !== 'refused') return load;
  const issues = load.issues.slice(0, ISSUES_MAX).map((i) => cutShort(i, ISSUE_MAX_CHARS));
  const more = load.issues.length - issues.length;
  return { kind: 'refused', issues: more > 0 ? [...issues, `… and ${more} more issue(s)`] : issues };
}
