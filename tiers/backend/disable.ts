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
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

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
  if (typeof expires === 'string') {
    return { state: 'disabled', ...withReason, warnings: [...warnings, `expiry ${quoteWord(raw)} ${expires}; staying disabled`] };
  }
  if (expires.getTime() <= now.getTime()) {
    return { state: 'expired', ...withReason, expiredAt: expires, status: `expired disable file, ignored (expired ${expires.toISOString()})` };
  }
  return { state: 'disabled', ...withReason, expires, warnings };
}

/**
 * The instant `s` names, or why it names none. `new Date` rolls an
 * impossible date over (2020-02-30 becomes 2020-03-01, 24:00 the next day),
 * which would end a disable on a day nobody wrote. Such an expiry is refused
 * like one that cannot be read, and the node stays disabled: the file
 * exists, so someone meant to take the node out, and the safe mistake is to
 * keep it out until a person looks (the warning is in the log and in
 * `tierlb status`).
 */
function parseInstant(s: string): Date | string {
  const m = ISO_INSTANT.exec(s);
  if (!m) return 'not understood (expected e.g. 2026-11-23T18:00:00Z)';
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = m.slice(1).map((g) => Number(g ?? 0));
  // Day 0 of the next month is the last day of this one.
  const monthDays = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > monthDays) return 'not understood (no such day on the calendar)';
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return 'not understood (no such time of day)';
  const d = new Date(s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? 'not understood (expected e.g. 2026-11-23T18:00:00Z)' : d;
}
