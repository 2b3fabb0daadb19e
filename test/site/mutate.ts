// Small helpers to edit the plain-object example site in tests.
import type { FieldPath } from '../../site/index.js';

export type Json = Record<string, unknown>;

function containerAt(root: Json, path: FieldPath): Record<string | number, unknown> {
  let here: unknown = root;
  for (const key of path) {
    here = (here as Record<string | number, unknown>)[key];
    if (typeof here !== 'object' || here === null) throw new Error(`test setup: nothing at ${path.join('.')}`);
  }
  return here as Record<string | number, unknown>;
}

/** Sets the value at `path`, creating nothing: the parent must exist. */
export function setIn(root: Json, path: FieldPath, value: unknown): void {
  const parent = containerAt(root, path.slice(0, -1));
  parent[path[path.length - 1] as string | number] = value;
}

/** Removes the key or the list item at `path`. */
export function deleteIn(root: Json, path: FieldPath): void {
  const parent = containerAt(root, path.slice(0, -1));
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else Reflect.deleteProperty(parent, last);
}

export function getIn(root: Json, path: FieldPath): unknown {
  return containerAt(root, path.slice(0, -1))[path[path.length - 1] as string | number];
}

/** Appends to the list at `path`. */
export function pushIn(root: Json, path: FieldPath, value: unknown): void {
  (getIn(root, path) as unknown[]).push(value);
}
