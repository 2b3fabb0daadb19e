// Where the package puts things, and the few small files it writes itself.
// Pure: the build (scripts/package.ts) copies and writes, the tests read
// the same names.

export const LAYOUT = {
  /** The built agent and CLI, as the checkout has them: bin/, dist/, node_modules/, native/build/, bpf/build/. */
  prefix: 'usr/lib/tierlb',
  command: 'usr/bin/tierlb',
  unit: 'lib/systemd/system/tierlb-agent@.service',
  doc: 'usr/share/doc/tierlb',
  example: 'usr/share/doc/tierlb/examples/site.yaml',
  overrides: 'usr/share/lintian/overrides/tierlb',
} as const;

/** The folders of dist/ the CLI and the agent import; dist/lab is the lab's and stays out. */
export const DIST_FOLDERS = ['agent', 'cli', 'fleet', 'site', 'tiers'] as const;

/** Where the addon and the BPF objects are looked for, relative to the prefix (agent/drivers/ipvs/netlink-addon.ts, agent/drivers/bpf/tc-program.ts). */
export const ADDON_PATH = 'native/build/Release/ipvs_netlink.node';
export const BPF_DIR = 'bpf/build';

/** The site file the unit passes and the CLI defaults to (cli/explain.ts DEFAULT_SITE). */
export const SITE_FILE = '/etc/tierlb/site.yaml';

/** The maintainer scripts, from packaging/debian/. */
export const MAINTAINER_SCRIPTS = ['postinst', 'prerm', 'postrm'] as const;

/**
 * /usr/bin/tierlb: Node.js run by its absolute path, not through `env`, so
 * the unit does not depend on PATH; exec keeps the pid (the unit's main pid).
 */
export function commandScript(): string {
  return `#!/bin/sh\n# The tierlb command of the Debian package.\nexec /usr/bin/node /${LAYOUT.prefix}/bin/tierlb.js "$@"\n`;
}

/** The package.json beside dist/: Node.js reads "type" from it to load dist/ as ES modules. */
export function runtimePackageJson(name: string, version: string, license: string): string {
  return `${JSON.stringify({ name, version, license, private: true, type: 'module' }, null, 2)}\n`;
}
