// Which Prometheus answered the dashboard's queries, for the picture's caption.
import { execa } from 'execa';

/** `prometheus, version 2.42.0+ds (branch: ...)` → `2.42.0+ds`. */
export async function prometheusVersion(): Promise<string> {
  const r = await execa('prometheus', ['--version'], { reject: false, all: true });
  return /version (\S+)/.exec(String(r.all))?.[1] ?? 'unknown';
}
