// What the picture needs beyond the lab's own packages (scripts/ensure-deps.sh):
// Debian's prometheus, run inside the lab kernel (whose root is the host's,
// so the host's package is the guest's), and chromium for the screenshot.
import { execa } from 'execa';

export const PICTURE_PACKAGES = ['prometheus', 'chromium'] as const;

export async function ensurePicturePackages(say: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const p of PICTURE_PACKAGES) {
    const r = await execa('dpkg-query', ['-W', '-f=${Status}', p], { reject: false });
    if (!String(r.stdout).includes('install ok installed')) missing.push(p);
  }
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: ${missing.join(' ')}; run as root or install them`);
  say(`installing Debian packages: apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  // The package enables its own Prometheus; the picture runs one of its own inside the lab.
  if (missing.includes('prometheus')) {
    say('systemctl disable --now prometheus (the package\'s own service; the picture starts its own inside the lab)');
    await execa('systemctl', ['disable', '--now', 'prometheus'], { reject: false });
  }
}

/** `prometheus, version 2.42.0+ds (branch: ...)` → `2.42.0+ds`. */
export async function prometheusVersion(): Promise<string> {
  const r = await execa('prometheus', ['--version'], { reject: false, all: true });
  return /version (\S+)/.exec(String(r.all))?.[1] ?? 'unknown';
}
