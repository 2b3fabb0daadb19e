// Mutations of the file's text and bytes, after the document is written:
// what an editor, a copy-paste or a bad save does to a file. Positions and
// lines are taken modulo the text's length.
import fc from 'fast-check';

export const TEXT_OPS = [
  'bom', 'utf16le', 'utf16be', 'latin1', 'nul', 'crlf', 'tab', 'truncate', 'repeatLine', 'garbage', 'longKey', 'longValue', 'secondDocument', 'control',
] as const;
export type TextOp = (typeof TEXT_OPS)[number];

export interface TextMutation {
  readonly kind: 'text';
  readonly op: TextOp;
  readonly pick: number;
}

export const textMutationArb: fc.Arbitrary<TextMutation> = fc.record({
  kind: fc.constant('text' as const), op: fc.constantFrom(...TEXT_OPS), pick: fc.nat(1_000_000),
});

const GARBAGE = ['{', '[', ']', '}', '&', '*', ':', '#', '"', '\'', '!', '%', '@', '`', '|', '>', '- ', '\\', '?', ',', ': :'] as const;

/** The mutated content (bytes for the encodings) and what was done. */
export function mutateText(text: string, m: TextMutation): { content: string | Uint8Array; did: string } {
  const lines = text.split('\n');
  const line = m.pick % Math.max(lines.length, 1);
  const pos = m.pick % Math.max(text.length, 1);
  const withLine = (l: string): string => [...lines.slice(0, line), l, ...lines.slice(line + 1)].join('\n');
  switch (m.op) {
    case 'bom':
      return { content: `\uFEFF${text}`, did: 'a UTF-8 byte-order mark in front' };
    case 'utf16le':
      return { content: new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])), did: 'saved as UTF-16LE with a BOM' };
    case 'utf16be':
      return { content: new Uint8Array(Buffer.from(text, 'utf16le').swap16()), did: 'saved as UTF-16BE without a BOM' };
    case 'latin1':
      return { content: new Uint8Array(Buffer.from(`${text.slice(0, pos)}é${text.slice(pos)}`, 'latin1')), did: `saved as Latin-1 with an é at ${pos}` };
    case 'nul':
      return { content: `${text.slice(0, pos)}\u0000${text.slice(pos)}`, did: `a NUL at ${pos}` };
    case 'crlf':
      return { content: text.replace(/\n/g, '\r\n'), did: 'CRLF line ends' };
    case 'tab':
      return { content: withLine((lines[line] ?? '').replace(/^ +/, '\t')), did: `a tab indenting line ${line + 1}` };
    case 'truncate':
      return { content: text.slice(0, pos), did: `cut at ${pos}` };
    case 'repeatLine':
      return { content: withLine(`${lines[line] ?? ''}\n${lines[line] ?? ''}`), did: `line ${line + 1} repeated` };
    case 'garbage': {
      const g = GARBAGE[m.pick % GARBAGE.length] ?? '{';
      return { content: `${text.slice(0, pos)}${g}${text.slice(pos)}`, did: `${JSON.stringify(g)} inserted at ${pos}` };
    }
    case 'longKey':
      return { content: `${'k'.repeat(100_000 + (m.pick % 1000))}: 1\n${text}`, did: 'a 100,000-character unknown key' };
    case 'longValue':
      return { content: text.replace(/^site: .*$/m, `site: ${'x'.repeat(300_000 + (m.pick % 1000))}`), did: 'a 300,000-character site name' };
    case 'secondDocument':
      return { content: `${text}\n---\nsite: two\n`, did: 'a second YAML document' };
    case 'control': {
      const c = String.fromCharCode(1 + (m.pick % 31));
      return { content: `${text.slice(0, pos)}${c}${text.slice(pos)}`, did: `control character ${c.charCodeAt(0)} at ${pos}` };
    }
  }
}
