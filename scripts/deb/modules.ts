// The npm packages the installed tierlb needs at run time, from the
// lockfile (npm's own record of the tree), and which of their files to
// ship. Pure: the caller reads package-lock.json and walks node_modules.

export interface LockEntry {
  readonly version?: string;
  readonly license?: string;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly optional?: boolean;
  readonly link?: boolean;
}

export interface Lockfile {
  readonly lockfileVersion?: number;
  readonly packages?: Readonly<Record<string, LockEntry>>;
}

export interface RuntimeModule {
  /** `node_modules/a` or `node_modules/a/node_modules/b`. */
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** An optional dependency: absent on a platform it is not for, which is no error. */
  readonly optional: boolean;
}

/**
 * Dependencies of package.json that only the build uses: node-addon-api is
 * the addon's C++ headers, compiled in. They and what only they need stay out.
 */
export const BUILD_ONLY = ['node-addon-api'] as const;

export class LockfileError extends Error {
  readonly code = 'TIERLB_DEB_LOCKFILE';
}

export function runtimeModules(lock: Lockfile, buildOnly: readonly string[] = BUILD_ONLY): RuntimeModule[] {
  if (lock.lockfileVersion === undefined || lock.lockfileVersion < 2 || !lock.packages) {
    throw new LockfileError(`package-lock.json: expected lockfileVersion 2 or 3 with a packages map, got ${String(lock.lockfileVersion)}`);
  }
  const excluded = buildOnly.map((n) => `node_modules/${n}`);
  return Object.entries(lock.packages)
    .filter(([path, e]) => path.startsWith('node_modules/') && !e.dev && !e.devOptional && !e.link)
    .filter(([path]) => !excluded.some((x) => path === x || path.startsWith(`${x}/`)))
    .map(([path, e]) => ({ path, name: moduleName(path), version: e.version ?? 'unknown', license: e.license ?? 'unknown', optional: e.optional === true }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The package name a lockfile path ends in, scope included. */
export function moduleName(path: string): string {
  const parts = path.split('node_modules/');
  return (parts[parts.length - 1] ?? path).replace(/\/$/, '');
}

/**
 * Whether a file of a module (its path inside the module's folder) is
 * shipped: its code and data, not its TypeScript sources and declarations,
 * source maps, docs, web pages, tests, examples, or the dot files of its
 * development (.npmignore, .eslintrc, .husky/), nor nested modules (those are
 * modules of their own in the lockfile). Licenses go to the copyright file.
 */
export function shipsModuleFile(relative: string): boolean {
  const parts = relative.split('/');
  if (parts.includes('node_modules') || parts.some((p) => p.startsWith('.'))) return false;
  if (parts.length > 1 && /^(tests?|docs?|examples?|benchmarks?|coverage)$/i.test(parts[0] ?? '')) return false;
  const base = parts[parts.length - 1] ?? '';
  if (LICENSE_NAME.test(base) || /^notice(\.txt|\.md)?$/i.test(base)) return false;
  if (/^(readme|changelog|changes|history|contributing|security)(\.|$)/i.test(base)) return false;
  return !/\.([cm]?ts|map|md|markdown|html?|png|jpe?g|gif|svg|tsbuildinfo)$/i.test(base);
}

/** Whether a module file is a license text, for the copyright file. */
export function isLicenseFile(relative: string): boolean {
  return !relative.includes('/') && LICENSE_NAME.test(relative);
}

/** LICENSE, LICENCE.md, COPYING, LICENSE-MIT.txt; not license-checker.js. */
const LICENSE_NAME = /^(licen[cs]e|copying)(-[a-z0-9]+)?(\.(txt|md|markdown))?$/i;
