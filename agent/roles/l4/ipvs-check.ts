// Whether this kernel has IPVS at all. Without it the node must never
// announce: routers would send it traffic it cannot schedule.
import { access } from 'node:fs/promises';
import { describeRun, type Runner } from '../../../tiers/common/runner.js';
import { processRunner } from '../../drivers/kernel/runner.js';

export type IpvsAvailability = { readonly ok: true } | { readonly ok: false; readonly why: string };

/** /proc/net/ip_vs appears with the module; `ipvsadm -Ln` may load it on demand, so it is the second try. */
export async function checkIpvs(runner: Runner = processRunner, proc = '/proc/net/ip_vs'): Promise<IpvsAvailability> {
  if (await access(proc).then(() => true, () => false)) return { ok: true };
  const r = await runner('ipvsadm', ['-Ln']);
  if (r.exitCode === 0 && (await access(proc).then(() => true, () => false))) return { ok: true };
  return { ok: false, why: `IPVS is not available in this kernel (no ${proc}; ${describeRun('ipvsadm', ['-Ln'], r)})` };
}
