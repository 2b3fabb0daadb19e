// The Debian control file of the tierlb package: pure, from package.json's
// name, version and description and the build's architecture.

/**
 * What the agent runs. The daemons of every role, since a node's role comes
 * from the site file, not from the install; gobgp's .proto files, which the
 * agent loads to speak gobgpd's API; ipvsadm, the L4 applier's reference and
 * fallback; ip and tc (iproute2) and sysctl (procps). Node.js 20: Debian 12's
 * own nodejs is 18, so it comes from elsewhere (docs/packaging.md).
 */
export const DEPENDS = [
  'nodejs (>= 20)', 'haproxy', 'bird2', 'gobgpd', 'golang-github-osrg-gobgp-dev', 'gdnsd', 'ipvsadm', 'iproute2', 'procps',
] as const;

/** bpftool: the tc programs' maps are read and filled with it; without it the BPF helpers say so and the rest runs. */
export const RECOMMENDS = ['bpftool'] as const;

export interface ControlInput {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly architecture: string;
  readonly maintainer: string;
  /** The native addon's shared-library dependencies (dpkg-shlibdeps), e.g. `libc6 (>= 2.34)`. */
  readonly shlibDepends: readonly string[];
  /** Installed size in KiB. */
  readonly installedSizeKib: number;
}

export class ControlError extends Error {
  readonly code = 'TIERLB_DEB_CONTROL';
}

export function controlText(c: ControlInput): string {
  checkName(c.name);
  checkVersion(c.version);
  if (!/^[a-z0-9-]+$/.test(c.architecture)) throw new ControlError(`architecture: expected a Debian architecture such as amd64, got ${JSON.stringify(c.architecture)}`);
  if (!/^[^<>\n]+ <[^<>@\s]+@[^<>@\s]+>$/.test(c.maintainer)) throw new ControlError(`maintainer: expected "Name <address>", got ${JSON.stringify(c.maintainer)}`);
  const [summary, ...rest] = c.description.split(/(?<=:) /);
  return [
    `Package: ${c.name}`,
    `Version: ${c.version}`,
    `Architecture: ${c.architecture}`,
    `Maintainer: ${c.maintainer}`,
    `Installed-Size: ${c.installedSizeKib}`,
    `Depends: ${[...c.shlibDepends, ...DEPENDS].join(', ')}`,
    `Recommends: ${RECOMMENDS.join(', ')}`,
    'Section: net',
    'Priority: optional',
    `Description: ${shortDescription(summary ?? c.name)}`,
    ...longDescription(rest.join(' ')),
  ].join('\n') + '\n';
}

/** Debian's synopsis: under 80 characters, no final full stop. */
function shortDescription(text: string): string {
  const line = text.replace(/[:.]$/, '').trim();
  return line.length < 80 ? line : `${line.slice(0, 76)}...`;
}

/** The extended description: each line starts with a space; the agent and the CLI are named. */
function longDescription(text: string): string[] {
  const body = [
    `Orchestrates ${text.trim() || 'a three-tier edge load-balancing stack'}.`,
    'One declarative site file describes every node; the agent of each node',
    '(tierlb-agent@NODE.service) renders, checks and installs its daemons\'',
    'configs, supervises the daemons, applies kernel state and announces the',
    'VIPs that are healthy. The tierlb command validates and renders a site',
    'file and shows what a running agent did.',
  ];
  return body.map((l) => ` ${l}`);
}

function checkName(name: string): void {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new ControlError(`name: expected a Debian package name (lower case, digits, + - .), got ${JSON.stringify(name)}`);
}

/** package.json's semver as a Debian native version: a pre-release sorts before its release (`1.0.0-rc.1` → `1.0.0~rc.1`). */
export function debianVersion(semver: string): string {
  const m = /^(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(semver);
  if (!m?.[1]) throw new ControlError(`version: expected a semver version such as 1.2.3, got ${JSON.stringify(semver)}`);
  return m[2] ? `${m[1]}~${m[2].replace(/-/g, '.')}` : m[1];
}

function checkVersion(version: string): void {
  if (!/^[0-9][A-Za-z0-9.+~]*$/.test(version)) throw new ControlError(`version: expected a Debian native version, got ${JSON.stringify(version)}`);
}
