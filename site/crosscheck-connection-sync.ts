// l4.connectionSync as a whole: the kernel cannot start a sync daemon
// without a device, and clamps (silently) a message size that does not fit
// a UDP datagram of the group's family; both are refused here instead.
import { familyOf } from './brand.js';
import type { Report } from './crosscheck-report.js';
import type { ParsedSite } from './schema.js';

/** 65535 less the IP and UDP headers: the kernel's ceiling of sync_maxlen. */
const MAXLEN_CEILING = { ipv4: 65535 - 20 - 8, ipv6: 65535 - 40 - 8 } as const;

export function checkConnectionSync(site: Pick<ParsedSite, 'l4'>, report: Report): void {
  const sync = site.l4.connectionSync;
  const at = (field: string): (string | number)[] => ['l4', 'connectionSync', field];
  if (sync.enabled && sync.interface === undefined) report(at('interface'), 'expected the device the L4 nodes sync their connections over (e.g. "eth0") when connectionSync is enabled');
  const family = familyOf(sync.group);
  if (sync.maxlen !== undefined && sync.maxlen > MAXLEN_CEILING[family]) {
    report(at('maxlen'), `expected at most ${MAXLEN_CEILING[family]} bytes with an ${family} group (65535 less the IP and UDP headers), got ${sync.maxlen}`);
  }
}
