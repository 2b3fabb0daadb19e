// /etc/lb/disable: present means disabled (`touch` is enough). Optionally the
// file says why and until when:
//
//     kernel upgrade, ticket OPS-1234
//     expires: 2026-11-23T18:00:00Z
//
// The first line that is not an `expires:`/`until:` line is the reason. The
// reading is forgiving but always errs towards "disabled": a file that exists
// disables, unless it names an expiry that is certainly in the past.
import { type MaintenanceFileRead, linesOf, logSafe, quoteWord } from './text.js';

export const MAX_DISABLE_REASON = 200;

export type DisableState =
  | { readonly state: 'enabled' }
  | { readonly state: 'disabled'; readonly reason?: string; readonly expires?: Date; readonly warnings: readonly string[] }
  | { readonly state: 'expired'; readonly reason?: string; readonly expiredAt: Date; readonly status: string };

const EXPIRY_LINE = /^\s*(?:expires|until)\s*[:=]\s*(.*)$/i;
/** A timezone is required: a bare local time would mean different instants on different nodes. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** `now` is an input so that the same file and the same instant always give the same answer. */
export function parseDisableFile(read: MaintenanceFileRead, now: Date): DisableState {
  switch (read.kind) {
    case 'absent':
      return { state: 'enabled' };
    case 'unreadable':
      // It exists, so someone meant to disable this node.
      return { state: 'disabled', warnings: [`disable file present but unreadable (${read.problem}); treated as disabled`] };
    case 'text':
      return fromText(read.text, now);
  }
}

function fromText(text: string, now: Date): DisableState {
  const lines = linesOf(text).map((l) => l.trim()).filter((l) => l !== '');
  const expiryLines = lines.flatMap((l) => EXPIRY_LINE.exec(l)?.[1]?.trim() ?? []);
  const reasonLine = lines.find((l) => !EXPIRY_LINE.test(l));
  const reason = reasonLine === undefined ? undefined : logSafe(reasonLine, MAX_DISABLE_REASON) || undefined;
  const withReason = reason === undefined ? {} : { reason };
  const [raw, ...extra] = expiryLines;
  if (raw === undefined) return { state: 'disabled', ...withReason, warnings: [] };
  const warnings = extra.length > 0 ? [`${extra.length} further expiry line(s) ignored; the first counts`] : [];
  const expires = parseInstant(raw);
  if (expires === undefined) {
    return { state: 'disabled', ...withReason, warnings: [...warnings, `expiry ${quoteWord(raw)} not understood (expected e.g. 2026-11-23T18:00:00Z); staying disabled`] };
  }
  if (expires.getTime() <= now.getTime()) {
    return { state: 'expired', ...withReason, expiredAt: expires, status: `expired disable file, ignored (expired ${expires.toISOString()})` };
  }
  return { state: 'disabled', ...withReason, expires, warnings };
}

function parseInstant(s: string): Date | undefined {
  if (!ISO_INSTANT.test(s)) return undefined;
  const d = new Date(s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? undefined : d;
}
