// The vocabulary of /etc/lb/agent-check, taken from HAProxy's agent-check
// (configuration.txt, "agent-check"; src/tcpcheck.c tcpcheck_agent_expect_reply):
// one line, words split by spaces, tabs or commas, case-insensitive, an
// optional description after '#'. We accept a subset: one state word and a
// weight. `maxconn:` is deliberately not offered: limits belong in the site
// file, where they are reviewed, not in a file one person edits on one host.
import type { Brand } from '../../site/index.js';
import { linesOf, printableAscii, quoteWord } from './text.js';

export const AGENT_STATES = ['up', 'ready', 'drain', 'maint', 'down', 'stopped', 'fail'] as const;
export type AgentStateWord = (typeof AGENT_STATES)[number];

/** Percent of the server's configured weight, an integer 0..100. */
export type WeightPercent = Brand<number, 'WeightPercent'>;
/** Printable ASCII, no '\n', at most MAX_REASON characters: safe after '#' in a reply. */
export type AgentReason = Brand<string, 'AgentReason'>;

export interface AgentState {
  readonly state: AgentStateWord;
  readonly weight?: WeightPercent;
  readonly reason?: AgentReason;
}

export type AgentCheckParse =
  | { readonly ok: true; readonly state: AgentState; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problem: string };

export const MAX_REASON = 120;

/**
 * How much traffic a word takes away. When a line holds several state words
 * the most restrictive wins: any of them is an operator asking for less
 * traffic, and a second word must not silently undo that. Ties: the last
 * one, as in HAProxy.
 */
const RESTRICTION: Record<AgentStateWord, number> = { up: 0, ready: 0, drain: 1, maint: 2, down: 3, stopped: 3, fail: 3 };
const isStateWord = (w: string): w is AgentStateWord => (AGENT_STATES as readonly string[]).includes(w);

export function toAgentReason(s: string): AgentReason | undefined {
  const clean = printableAscii(s, MAX_REASON);
  return clean === '' ? undefined : (clean as AgentReason);
}

/**
 * Above 100% HAProxy would raise the weight past the configured one: that is
 * a capacity decision for the site file, so such a word is refused, not clamped.
 */
export function toWeightPercent(word: string): WeightPercent | undefined {
  const m = /^(\d{1,3})%$/.exec(word);
  const n = m ? Number(m[1]) : NaN;
  return n >= 0 && n <= 100 ? (n as WeightPercent) : undefined;
}

/** Parses the file's text. Only the first line with content counts; nothing else is read or echoed. */
export function parseAgentCheck(text: string): AgentCheckParse {
  const line = linesOf(text).find((l) => l.trim() !== '');
  if (line === undefined) return { ok: false, problem: 'the file is empty' };
  const hash = line.indexOf('#');
  const words = (hash < 0 ? line : line.slice(0, hash)).split(/[ \t,]+/).filter((w) => w !== '').map((w) => w.toLowerCase());
  const reason = hash < 0 ? undefined : toAgentReason(line.slice(hash + 1));
  const { state, weight, warnings } = classify(words);
  if (state === undefined && weight === undefined) {
    return { ok: false, problem: `no state word (${AGENT_STATES.join(', ')}) or weight (0%..100%) on the first line` };
  }
  return { ok: true, state: { state: state ?? 'up', ...(weight !== undefined ? { weight } : {}), ...(reason ? { reason } : {}) }, warnings };
}

interface Classified { state?: AgentStateWord; weight?: WeightPercent; warnings: string[] }

function classify(words: readonly string[]): Classified {
  const out: Classified = { warnings: [] };
  const unknown: string[] = [];
  for (const w of words) {
    if (isStateWord(w)) {
      if (out.state !== undefined && out.state !== w) out.warnings.push(`several state words; the most restrictive counts`);
      if (out.state === undefined || RESTRICTION[w] >= RESTRICTION[out.state]) out.state = w;
    } else if (/^-?\d+%$/.test(w)) {
      const weight = toWeightPercent(w);
      if (weight === undefined) out.warnings.push(`weight ${quoteWord(w)} ignored: expected 0% to 100%`);
      else out.weight = weight;
    } else {
      unknown.push(w);
    }
  }
  if (unknown.length > 0) out.warnings.push(`ignored ${unknown.length} unknown word(s): ${unknown.slice(0, 3).map(quoteWord).join(', ')}`);
  return out;
}
