// Who makes a change, as the record and the history keep it: the --who
// option as given, else the person behind sudo (or the login name) at this
// host. Pure: the caller reads the environment and passes it in.
import type { Checked } from '../site/index.js';
import { printableAscii } from '../tiers/backend/text.js';
import { MAX_WHO } from './record.js';

export interface WhoSources {
  /** --who, taken as it is. */
  readonly option?: string;
  /** $SUDO_USER: root's name says nothing about who typed the command. */
  readonly sudoUser?: string;
  readonly login?: string;
  readonly host: string;
}

const PRINTABLE = /^[\x20-\x7e]+$/;

export function whoOf(s: WhoSources): Checked<string> {
  if (s.option !== undefined) {
    if (PRINTABLE.test(s.option) && s.option.trim() !== '' && s.option.length <= MAX_WHO) return { ok: true, value: s.option.trim() };
    return { ok: false, reason: `--who: expected printable ASCII text of 1 to ${MAX_WHO} characters, got ${JSON.stringify(s.option.slice(0, MAX_WHO + 8))}` };
  }
  const user = [s.sudoUser, s.login].map((u) => printableAscii(u ?? '', MAX_WHO)).find((u) => u !== '') ?? 'unknown';
  const host = printableAscii(s.host, MAX_WHO) || 'unknown';
  // A long host name is cut rather than refused: the person typed nothing wrong.
  return { ok: true, value: `${user}@${host}`.slice(0, MAX_WHO) };
}
