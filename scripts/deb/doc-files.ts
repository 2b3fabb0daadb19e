// The package's copyright and changelog files: pure, from what the build
// found (the bundled modules and their license texts) and the build date.
import type { RuntimeModule } from './modules.js';

export interface BundledLicense {
  readonly module: RuntimeModule;
  /** The module's own license file, when it ships one. */
  readonly text: string | undefined;
}

/**
 * tierlb's own license, then every bundled module with its license text.
 * Apache-2.0 is in /usr/share/common-licenses; the bundled modules' texts
 * carry their copyright holders, so they are copied as they are.
 */
export function copyrightText(name: string, license: string, bundled: readonly BundledLicense[]): string {
  const own = [
    `${name}`,
    '',
    `Copyright: the ${name} authors`,
    `License: ${license}`,
    license === 'Apache-2.0' ? ' On Debian systems the full text of the Apache License 2.0 is in\n /usr/share/common-licenses/Apache-2.0.' : ` See the ${license} license.`,
    '',
    `Bundled Node.js modules, under /usr/lib/${name}/node_modules, with the license`,
    'texts they ship:',
  ];
  const modules = bundled.map((b) => ['', `${b.module.name} ${b.module.version} (${b.module.license})`, '', licenseOf(b)].join('\n'));
  return `${own.join('\n')}\n${modules.join('\n')}\n`;
}

/** Apache-2.0 texts are referred to, not repeated: Debian has the one copy it asks for. */
function licenseOf(b: BundledLicense): string {
  if (b.module.license === 'Apache-2.0') return 'Licensed under the Apache License 2.0: /usr/share/common-licenses/Apache-2.0.';
  if (b.text === undefined) return `It ships no license text; its package.json says ${b.module.license}.`;
  return b.text.replace(/\r\n?/g, '\n').trim();
}

/** Debian's changelog date (RFC 5322, UTC), the same for the same epoch. */
export function changelogDate(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()] ?? '';
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()] ?? '';
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${day}, ${two(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** A native package's changelog: one entry for the version built. */
export function changelogText(name: string, version: string, maintainer: string, epochSeconds: number): string {
  return `${name} (${version}) unstable; urgency=medium\n\n  * Built from the ${name} source tree; see its git history.\n\n -- ${maintainer}  ${changelogDate(epochSeconds)}\n`;
}
