// The cases the fuzzer judges: a site built from a blueprint, or one of the
// project's own valid sites (examples/site.yaml, lab/site.yaml), then 0-3
// mutations of its document or its text. A case keeps the choices that made
// it, so fast-check can shrink it, and the content they make.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { REPO } from '../helpers/site.js';
import { docMutationArb, mutateDocument, type DocMutation } from './mutate.js';
import { siteBp, type SiteBlueprint } from './site-blueprint.js';
import { buildSite } from './site-build.js';
import { mutateText, textMutationArb, type TextMutation } from './text-ops.js';
import { yamlOf } from './yaml-text.js';

export const BASE_FILES = { example: 'examples/site.yaml', lab: 'lab/site.yaml' } as const;
type BaseName = keyof typeof BASE_FILES;

export type Mutation = DocMutation | TextMutation;

export interface FuzzCase {
  /** Where it came from and what was done to it, in words. */
  readonly origin: string;
  /** What is written to the site file: text, or bytes for the encodings. */
  readonly content: string | Uint8Array;
}

const baseTexts = new Map<BaseName, string>();
function baseText(name: BaseName): string {
  let text = baseTexts.get(name);
  if (text === undefined) {
    text = readFileSync(join(REPO, BASE_FILES[name]), 'utf8');
    baseTexts.set(name, text);
  }
  return text;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof({ weight: 6, arbitrary: docMutationArb }, { weight: 1, arbitrary: textMutationArb });

export const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      blueprint: siteBp,
      mutations: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 2 }) }),
    }).map(({ blueprint, mutations }) => generatedCase(blueprint, mutations)),
  },
  {
    weight: 4,
    arbitrary: fc.record({ base: fc.constantFrom<BaseName>('example', 'lab'), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) })
      .map(({ base, mutations }) => mutatedCase(base, baseText(base), mutations)),
  },
);

export function generatedCase(blueprint: SiteBlueprint, mutations: readonly Mutation[]): FuzzCase {
  return mutatedCase('generated', yamlOf(buildSite(blueprint)), mutations);
}

/** Document mutations in order, then text mutations in order; a mutation the document cannot take is skipped and said so. */
export function mutatedCase(origin: string, text: string, mutations: readonly Mutation[]): FuzzCase {
  const doc = parseDocument(text);
  const did: string[] = [];
  for (const m of mutations) {
    if (m.kind === 'text') continue;
    const before = doc.clone();
    try {
      did.push(mutateDocument(doc, m));
      doc.toString();
    } catch (err) {
      did.push(`${m.kind} skipped: ${(err as Error).message.split('\n')[0] ?? ''}`);
      doc.contents = before.contents;
    }
  }
  let content: string | Uint8Array = mutations.some((m) => m.kind !== 'text') ? doc.toString({ lineWidth: 0 }) : text;
  for (const m of mutations) {
    if (m.kind !== 'text' || typeof content !== 'string') continue;
    const r = mutateText(content, m);
    content = r.content;
    did.push(r.did);
  }
  return { origin: [origin, ...did].join('; '), content };
}
