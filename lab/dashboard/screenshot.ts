// The page as a PNG, by Debian's chromium without a display: a window of the
// page's own size, no scroll bars, one device pixel per CSS pixel. As root
// chromium refuses its sandbox unless told not to use one.
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

export interface Shot { readonly bytes: number; readonly ms: number }

export async function screenshot(htmlFile: string, pngFile: string, width: number, height: number): Promise<Shot> {
  const start = Date.now();
  const args = ['--headless=new', '--no-sandbox', '--hide-scrollbars', '--disable-gpu', '--force-device-scale-factor=1',
    `--window-size=${width},${height}`, `--screenshot=${pngFile}`, pathToFileURL(htmlFile).href];
  const r = await execa('nice', ['-n', '19', 'chromium', ...args], { reject: false, timeout: 180_000, all: true });
  if (r.exitCode !== 0) throw new Error(`chromium ${args.join(' ')}: exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}: ${String(r.all).slice(-1500)}`);
  return { bytes: (await stat(pngFile)).size, ms: Date.now() - start };
}
