// Helpers for reading what operators type into maintenance files. The files
// are written by hand, by scripts and sometimes by mistake, so every string
// taken from them is bounded and stripped before it reaches a log line or a
// reply HAProxy parses.

/** The most of a maintenance file anyone reads; the reader enforces it, the parsers again. */
export const MAX_MAINTENANCE_BYTES = 4096;

/** What reading a maintenance file gave, before any interpretation. */
export type MaintenanceFileRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'unreadable'; readonly problem: string };

/**
 * The file split into lines the way HAProxy splits an agent reply: at CR or
 * LF. A leading byte-order mark (Notepad's "UTF-8") is dropped: it is not
 * part of the first word, and `\uFEFFdrain` must read as `drain`.
 */
export function linesOf(text: string): string[] {
  return text.slice(0, MAX_MAINTENANCE_BYTES).replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

/** Removes C0/C1 control characters and DEL, collapses blanks, caps the length: safe for logs. */
export function logSafe(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max).trimEnd();
}

/** Keeps printable ASCII only (0x20-0x7e), for text that goes on the wire to HAProxy. */
export function printableAscii(s: string, max: number): string {
  return s.replace(/[^\x20-\x7e]+/g, ' ').replace(/ +/g, ' ').trim().slice(0, max).trimEnd();
}

/** A word quoted in a warning: never the raw bytes, never long. */
export function quoteWord(word: string): string {
  return JSON.stringify(printableAscii(word, 24));
}
