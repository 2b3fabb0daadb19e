// What every cross-check shares: the report callback, the duplicate finder,
// and `needs`, which runs a check only when the sections it reads parsed.
import type { FieldPath } from './errors.js';
import type { ParsedSite } from './schema.js';

export type Report = (path: FieldPath, message: string) => void;

/** The top-level sections that parsed; a section with a field error is absent. */
export type Sections = Partial<ParsedSite>;

export type Check = (sections: Sections, report: Report) => void;

/**
 * Wraps a check that reads only the sections `keys`, so that a field error in
 * another section does not hide the problems this check would find.
 */
export function needs<K extends keyof ParsedSite>(
  keys: readonly K[], run: (site: Pick<ParsedSite, K>, report: Report) => void,
): Check {
  return (sections, report) => {
    if (keys.every((k) => sections[k] !== undefined)) run(sections as Pick<ParsedSite, K>, report);
  };
}

/** Reports every item whose key was already used by an earlier item. */
export function reportDuplicates<T>(
  items: readonly T[], key: (t: T) => string, path: (i: number) => FieldPath, what: string, report: Report,
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    else report(path(i), `duplicate ${what} ${JSON.stringify(k)} (first at index ${seen})`);
  });
}
