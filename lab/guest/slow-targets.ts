// The users' slow downloads (lab/server.mjs `/slow`: 1 KB every 500 ms, with
// Content-Length, so a short read is told from a complete one), one URL per
// VIP and port of the site, for the flows client.
import { familyOfText } from '../addr.js';
import type { LabEnv } from './env.js';

/** Every VIP and port of every service, a slow download of `seconds` each. */
export function slowTargets(env: Pick<LabEnv, 'site'>, seconds: number): string[] {
  return env.site.services.flatMap((s) => s.vips.flatMap((vip) => s.ports.map((port) =>
    `http://${familyOfText(vip) === 'ipv6' ? `[${vip}]` : vip}:${Number(port)}/slow?seconds=${seconds}&every=500`)));
}
