// Tags a site file may use: the YAML core schema's own. yaml reads any
// other tag as a plain string with a warning nobody sees (`!evil example`
// becomes "example"), and some as something else entirely (`!!binary` a
// buffer): a file that says more than it means is refused instead.
import { isPair, isScalar, isSeq, visit, type Document } from 'yaml';
import type { FieldPath } from './errors.js';

const CORE_TAGS = ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'] as const;
const CORE_TAG_URIS: ReadonlySet<string> = new Set(CORE_TAGS.map((t) => `tag:yaml.org,2002:${t}`));
const TAG_MAX_CHARS = 60;

export interface TagProblem {
  readonly message: string;
  readonly path: FieldPath;
  /** Where the tagged value starts in the text. */
  readonly offset: number;
}

/** The first value whose tag is not one of the core schema's, if any. */
export function unknownTag(doc: Document.Parsed): TagProblem | undefined {
  let found: TagProblem | undefined;
  visit(doc, {
    Node(_key, node, ancestors) {
      const tag = (node as { tag?: string }).tag;
      if (tag === undefined || CORE_TAG_URIS.has(tag)) return undefined;
      const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!');
      found = {
        message: `YAML: expected no tags but the core schema's (${CORE_TAGS.map((t) => `!!${t}`).join(', ')}), got ${shown.length > TAG_MAX_CHARS ? `${shown.slice(0, TAG_MAX_CHARS)}…` : shown}`,
        path: fieldPathOf([...ancestors, node]),
        offset: node.range?.[0] ?? 0,
      };
      return visit.BREAK;
    },
  });
  return found;
}

/** The field path of the last of `chain` (a node's ancestors, then the node). */
function fieldPathOf(chain: readonly unknown[]): FieldPath {
  const path: (string | number)[] = [];
  chain.forEach((here, i) => {
    const next = chain[i + 1];
    if (isSeq(here)) path.push(here.items.indexOf(next as never));
    if (isPair(here)) path.push(String(isScalar(here.key) ? here.key.value : here.key));
  });
  return path;
}
