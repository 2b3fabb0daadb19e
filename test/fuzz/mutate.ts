// Mutations of a valid site file, applied to its YAML document so that the
// rest of the file (comments, flow style, anchors) stays as written: a value
// replaced by an edge value of the same kind or of any kind, a value copied
// over another (port reuse, name clashes), a key or an item removed or
// repeated, a node nested deep, aliased, tagged. Targets are indices into
// the document's nodes in file order, taken modulo their number.
import fc from 'fast-check';
import { isMap, isPair, isScalar, isSeq, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { isIP } from 'node:net';
import {
  allOf, ASNS, BAD_ADDRESSES, COMMUNITIES, DNS_NAMES, DURATIONS, FS_PATHS, HTTP_PATHS, NAMES, NUMBERS, ODD_VALUES, PORTS, SPECIAL_ADDRESSES, VIPS,
} from './values.js';

export type DocMutation =
  | { readonly kind: 'set'; readonly at: number; readonly sameKind: boolean; readonly pick: number }
  | { readonly kind: 'copy'; readonly from: number; readonly at: number }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'unknownKey'; readonly at: number; readonly pick: number }
  | { readonly kind: 'alias'; readonly from: number; readonly at: number }
  | { readonly kind: 'aliasMany'; readonly at: number; readonly times: number }
  | { readonly kind: 'nest'; readonly at: number; readonly depth: number; readonly seq: boolean }
  | { readonly kind: 'tag'; readonly at: number; readonly pick: number };

const at = fc.nat(100_000);
export const docMutationArb: fc.Arbitrary<DocMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('set' as const), at, sameKind: fc.boolean(), pick: fc.nat(1000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('copy' as const), from: at, at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknownKey' as const), at, pick: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('alias' as const), from: at, at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('aliasMany' as const), at, times: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), at, depth: fc.integer({ min: 1, max: 80 }), seq: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tag' as const), at, pick: fc.nat(100) }) },
);

type Path = (string | number)[];
interface Located { readonly path: Path; readonly node: Node }

const POOLS: Readonly<Record<string, readonly unknown[]>> = {
  port: allOf(PORTS),
  number: [...NUMBERS, ...allOf(ASNS)],
  address: [...allOf(VIPS), ...SPECIAL_ADDRESSES, ...BAD_ADDRESSES],
  duration: allOf(DURATIONS),
  community: allOf(COMMUNITIES),
  path: [...allOf(FS_PATHS), ...allOf(HTTP_PATHS)],
  dnsName: allOf(DNS_NAMES),
  name: allOf(NAMES),
  boolean: [true, false, 'yes', 'on', 1, null],
  collection: ODD_VALUES,
};
const ANY: readonly unknown[] = Object.values(POOLS).flat();
const UNKNOWN_KEYS = ['colour', 'Port', 'vip', '<<', 'name ', '', 'k'.repeat(300)] as const;
const TAGS = ['!evil', '!!binary', '!!str', '!!int', '!', '!!set', '!!timestamp', '!!float', '!!omap'] as const;

/** Applies one mutation in place; returns what it did, for the failure report. */
export function mutateDocument(doc: Document, m: DocMutation): string {
  const all = locate(doc);
  const target = all[m.at % Math.max(all.length, 1)];
  if (!target) return 'nothing to mutate';
  const where = pathText(target.path);
  switch (m.kind) {
    case 'set': {
      const pool = m.sameKind ? POOLS[kindOf(target)] ?? ANY : ANY;
      const value = pool[m.pick % pool.length];
      doc.setIn(target.path, doc.createNode(value));
      return `set ${where} = ${JSON.stringify(value)?.slice(0, 60)}`;
    }
    case 'copy': {
      const from = all.slice(m.from % all.length).find((x) => isScalar(x.node)) ?? all.find((x) => isScalar(x.node));
      if (!from || !isScalar(from.node)) return 'no scalar to copy';
      doc.setIn(target.path, doc.createNode(from.node.value));
      return `copy ${pathText(from.path)} to ${where}`;
    }
    case 'delete':
      doc.deleteIn(target.path);
      return `delete ${where}`;
    case 'duplicate': {
      const item = nearestItem(doc, target.path);
      if (!item) return 'no list item to repeat';
      item.seq.items.splice(item.index + 1, 0, doc.createNode(toPlain(item.seq.items[item.index])));
      return `repeat ${pathText([...item.path, item.index])}`;
    }
    case 'unknownKey': {
      const map = isMap(target.node) ? target.node : (doc.getIn(target.path.slice(0, -1), true) as unknown);
      if (!isMap(map)) return 'no mapping for a key';
      const key = UNKNOWN_KEYS[m.pick % UNKNOWN_KEYS.length] ?? 'colour';
      (map as YAMLMap).set(doc.createNode(key), doc.createNode(1));
      return `add key ${JSON.stringify(key.slice(0, 20))} under ${pathText(isMap(target.node) ? target.path : target.path.slice(0, -1))}`;
    }
    case 'alias':
      return aliasOne(doc, all, m.from, target);
    case 'aliasMany': {
      const item = nearestItem(doc, target.path);
      const first = item?.seq.items[0];
      if (!item || !(isScalar(first) || isMap(first) || isSeq(first))) return 'no list to fill with aliases';
      first.anchor ??= 'many';
      item.seq.items = [first, ...Array.from({ length: m.times }, () => doc.createAlias(first, first.anchor))];
      return `make ${pathText(item.path)} its first item and ${m.times} alias(es) of it`;
    }
    case 'nest': {
      let value: unknown = toPlain(target.node);
      for (let i = 0; i < m.depth; i++) value = m.seq ? [value] : { k: value };
      doc.setIn(target.path, doc.createNode(value));
      return `nest ${where} ${m.depth} level(s) deep in ${m.seq ? 'lists' : 'mappings'}`;
    }
    case 'tag': {
      const tag = TAGS[m.pick % TAGS.length] ?? '!evil';
      target.node.tag = tag.replace(/^!!/, 'tag:yaml.org,2002:');
      return `tag ${where} ${tag}`;
    }
  }
}

/** `at` becomes an alias of `from`'s node, anchored; skipped when one contains the other. */
function aliasOne(doc: Document, all: readonly Located[], from: number, target: Located): string {
  const source = all[from % all.length];
  if (!source) return 'nothing to alias';
  const inside = (a: Path, b: Path): boolean => a.length <= b.length && a.every((p, i) => p === b[i]);
  if (inside(source.path, target.path) || inside(target.path, source.path)) return 'alias skipped: one node holds the other';
  const alias = doc.createAlias(source.node as never, source.node.anchor ?? `a${from % 1000}`);
  doc.setIn(target.path, alias);
  return `alias ${pathText(target.path)} to *${alias.source} (${pathText(source.path)})`;
}

/** Every value node of the document, in file order, with its path. */
function locate(doc: Document): Located[] {
  const out: Located[] = [];
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (typeof key !== 'string' && typeof key !== 'number') continue;
        if (pair.value && typeof pair.value === 'object' && 'range' in pair.value) out.push({ path: [...path, key], node: pair.value as Node });
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item && typeof item === 'object') out.push({ path: [...path, i], node: item as Node });
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}

/** The list item at `path` or the nearest list item above it. */
function nearestItem(doc: Document, path: Path): { seq: YAMLSeq; index: number; path: Path } | undefined {
  for (let n = path.length; n > 0; n--) {
    const last = path[n - 1];
    const parent = doc.getIn(path.slice(0, n - 1), true);
    if (typeof last === 'number' && isSeq(parent)) return { seq: parent, index: last, path: path.slice(0, n - 1) };
  }
  return undefined;
}

function kindOf(target: Located): string {
  const node = target.node;
  if (!isScalar(node)) return 'collection';
  const key = String(target.path.findLast((p) => typeof p === 'string') ?? '');
  const v = node.value;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return /port/i.test(key) ? 'port' : 'number';
  if (typeof v !== 'string') return 'collection';
  if (isIP(v) !== 0) return 'address';
  if (/^\d+(ms|s|m|h)$/.test(v)) return 'duration';
  if (/^\d+:\d+$/.test(v)) return 'community';
  if (v.startsWith('/')) return 'path';
  if (v.includes('.')) return 'dnsName';
  return 'name';
}

function toPlain(node: unknown): unknown {
  return node && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node;
}

function pathText(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || '(file)';
}
