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

export type SiteFileRead = { ok: true; text: string } | { ok: false; reason: string };

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
    return { ok: false, reason: `cannot open: ${(err as Error).message}` };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { ok: false, reason: `expected a regular file, got ${kindOf(stats)}` };
    if (stats.size > SITE_FILE_MAX_BYTES) return { ok: false, reason: tooLarge(stats.size) };
    return decode(await readAtMost(handle, SITE_FILE_MAX_BYTES + 1));
  } catch (err) {
    return { ok: false, reason: `cannot read: ${(err as Error).message}` };
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
  if (bytes.length > SITE_FILE_MAX_BYTES) return { ok: false, reason: `${tooLarge(bytes.length)} (it grew while being read)` };
  try {
    // fatal: a Latin-1 file would otherwise load with U+FFFD in its names. The BOM is dropped.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'expected UTF-8 text, got bytes that are not valid UTF-8' };
  }
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
