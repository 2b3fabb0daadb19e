// The bounds a site file must keep, checked before anything expensive or
// recursive sees the text. The site file is re-read while the agent runs and
// parsing is synchronous, so a hostile or broken file must cost milliseconds
// and come back as issues: it can never be allowed to throw, exhaust the
// stack (V8 can die uncatchably there) or hold the event loop for minutes.
import { Composer, isAlias, isMap, isSeq, Lexer, Parser, type CST, type Document, type LineCounter } from 'yaml';
import type { SiteIssue } from './errors.js';
import { unknownTag } from './yaml-tags.js';

/**
 * The largest site file accepted, in bytes. Parsing is synchronous and takes
 * about 1.5 s per MiB of ordinary YAML on a 2-core node; 1 MiB holds some
 * 2,500 services shaped like the example's, far more than any one site.
 */
export const SITE_FILE_MAX_BYTES = 1024 * 1024;

/**
 * The deepest YAML nesting accepted, counted as the parser's open
 * constructions (document, collections, scalar). The example site reaches 8;
 * composing and validating recurse once per level, and V8 runs out of stack
 * after some hundreds.
 */
export const SITE_MAX_NESTING = 64;

/** Alias uses (`*name`) accepted in one file: anchors are for sharing a block, not for generating a site. */
export const SITE_MAX_ALIASES = 1000;

/** Values (scalars and collections) the file may hold once every alias is expanded: refuses "billion laughs". */
export const SITE_MAX_VALUES = 1_000_000;

/** Quoted values longer than this are cut in issue texts, so one log line stays readable. */
export const ISSUE_VALUE_MAX_CHARS = 200;

/** Whole issue messages are cut here too: some checks quote the value themselves. */
export const ISSUE_MESSAGE_MAX_CHARS = 400;

export type YamlRead = { ok: true; doc: Document.Parsed } | { ok: false; issues: SiteIssue[] };

/** `text` cut to `max` characters, saying how long it was: `"xxxx… (52428800 characters)"`. */
export function cutShort(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: half of one is not valid text in a log.
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}

/** The YAML document of `text`, or why it was refused; `lines` learns every line start. */
export function readYaml(text: string, lines: LineCounter): YamlRead {
  // Each UTF-8 byte is at most one UTF-16 unit, so more units means more bytes.
  if (text.length > SITE_FILE_MAX_BYTES) {
    return refuse(`expected at most ${SITE_FILE_MAX_BYTES} bytes (${mib(SITE_FILE_MAX_BYTES)}), got ${text.length} characters`);
  }
  const lone = /[\uD800-\uDFFF]/u.exec(text);
  if (lone) return refuse('expected Unicode text, got a lone surrogate (text decoded from invalid UTF-8?)', lineAt(text, lone.index));
  // UTF-16 without a byte-order mark decodes as valid UTF-8 with a NUL after
  // every ASCII character; YAML forbids NUL anyway. One line, not the file echoed.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return refuse('expected UTF-8 text, got a NUL character (is the file UTF-16? save it as UTF-8)', lineAt(text, nul));
  const tokens = boundedTokens(text, lines);
  if (!tokens.ok) return tokens;
  const docs = [...new Composer({ uniqueKeys: true }).compose(tokens.tokens, true, text.length)];
  const doc = docs[0] as Document.Parsed;
  if (docs.length > 1) return refuse('expected one YAML document, got several', lines.linePos(docs[1]?.range[0] ?? 0).line);
  if (doc.errors.length > 0) {
    return { ok: false, issues: doc.errors.map((e) => ({ path: [], message: `YAML: ${cutShort(e.message.split('\n')[0] ?? '', ISSUE_VALUE_MAX_CHARS)}`, line: lines.linePos(e.pos[0]).line })) };
  }
  const aliases = checkAliases(doc);
  if (aliases) return refuse(aliases.message, lines.linePos(aliases.offset).line);
  const tag = unknownTag(doc);
  return tag ? { ok: false, issues: [{ path: tag.path, message: tag.message, line: lines.linePos(tag.offset).line }] } : { ok: true, doc };
}

/** Lexes and parses, stopping at the first construction deeper than the limit: deep input costs no more than its first levels. */
function boundedTokens(text: string, lines: LineCounter): { ok: true; tokens: CST.Token[] } | { ok: false; issues: SiteIssue[] } {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    tokens.push(...parser.next(lexeme));
    if (parser.stack.length > SITE_MAX_NESTING) {
      return refuse(`YAML: expected at most ${SITE_MAX_NESTING} levels of nesting, got more`, lines.linePos(parser.offset).line);
    }
  }
  tokens.push(...parser.end());
  return { ok: true, tokens };
}

interface AliasProblem { message: string; offset: number }

/**
 * Counts every value as if each alias were replaced by what it names, in one
 * pass: an anchor's size is known by the time an alias can use it. yaml's own
 * guard (maxAliasCount) bounds a product of counts, not the size, and throws.
 */
function checkAliases(doc: Document.Parsed): AliasProblem | undefined {
  const named = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let aliases = 0;
  let problem: AliasProblem | undefined;
  const size = (node: unknown): number => {
    if (problem || node === null || node === undefined) return 0;
    if (isAlias(node)) {
      aliases += 1;
      const target = named.get(node.source);
      const at = node.range?.[0] ?? 0;
      if (aliases > SITE_MAX_ALIASES) problem = { message: `YAML: expected at most ${SITE_MAX_ALIASES} aliases, got more`, offset: at };
      else if (target === undefined) problem = { message: `YAML: expected an anchor &${node.source} before its alias, got none`, offset: at };
      else if (open.has(target)) problem = { message: `YAML: alias *${node.source} is inside the node it names, which would make it infinite`, offset: at };
      return sizes.get(target) ?? 0;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) named.set(anchor, node);
    open.add(node);
    const n = 1 + childrenOf(node).reduce((sum: number, child) => sum + size(child), 0);
    open.delete(node);
    sizes.set(node, n);
    return n;
  };
  const total = size(doc.contents);
  if (problem) return problem;
  if (total > SITE_MAX_VALUES) return { message: `YAML: expected at most ${SITE_MAX_VALUES} values with aliases expanded, got ${total > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : total}`, offset: 0 };
  return undefined;
}

function childrenOf(node: unknown): unknown[] {
  if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]);
  if (isSeq(node)) return node.items;
  return [];
}

function refuse(message: string, line?: number): { ok: false; issues: SiteIssue[] } {
  return { ok: false, issues: [{ path: [], message, ...(line === undefined ? {} : { line }) }] };
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

const mib = (bytes: number): string => `${bytes / (1024 * 1024)} MiB`;
