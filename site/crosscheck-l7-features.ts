// Checks of a service's PROXY protocol, TLS and slow-start settings against
// the rest of the service: what HAProxy would refuse, ignore or print on a
// line too long for it.
import type { FieldPath } from './errors.js';
import type { ParsedSite } from './schema.js';
import { reportDuplicates, type Report } from './crosscheck-report.js';

type RawService = ParsedSite['services'][number];
const at = (s: number, ...rest: (string | number)[]): FieldPath => ['services', s, 'l7', ...rest];

/** The longest ramp either tier takes: a longer one is more likely a typo (`2h` for `2m`) than a wish. */
export const MAX_RAMP_MS = 3_600_000;
/** Below this an L4 ramp's steps come faster than the L7 nodes' health is learned: no ramp at all is as good. */
export const MIN_L4_RAMP_MS = 10_000;
/**
 * The certificate paths of a service share each of its bind lines with the
 * VIP, port and TLS options, and HAProxy reads at most 2048 characters of a
 * line: this leaves the rest of the line room.
 */
export const MAX_CERT_PATHS_CHARS = 1500;
/** HAProxy ramps a weight only under a dynamic algorithm; under the others slowstart would limit nothing (tierlb sets no maxconn). */
const DYNAMIC_BALANCES: readonly string[] = ['roundrobin', 'leastconn'];

export function checkServiceL7Features(site: Pick<ParsedSite, 'services'>, report: Report): void {
  site.services.forEach((svc, s) => {
    checkSlowStart(svc, s, report);
    checkRampUp(svc, s, report);
    checkTls(svc, s, report);
  });
}

function checkSlowStart(svc: RawService, s: number, report: Report): void {
  const { slowStart, check, balance } = svc.l7;
  if (slowStart.ms === 0) return;
  // HAProxy raises the weight at each health check: fewer than two checks in the ramp is a jump, not a ramp.
  const min = check.interval.ms * 2;
  if (slowStart.ms < min || slowStart.ms > MAX_RAMP_MS) {
    report(at(s, 'slowStart'), `expected 0s (off) or a duration from twice the check interval (${String(check.interval)} × 2) to 1h, got ${String(slowStart)}`);
  }
  if (!DYNAMIC_BALANCES.includes(balance)) {
    report(at(s, 'slowStart'), `expected balance roundrobin or leastconn with slowStart: HAProxy ramps the weight only under a dynamic algorithm, and balance ${balance} is not one`);
  }
}

function checkRampUp(svc: RawService, s: number, report: Report): void {
  const ms = svc.l4.rampUp.ms;
  if (ms !== 0 && (ms < MIN_L4_RAMP_MS || ms > MAX_RAMP_MS)) {
    report(['services', s, 'l4', 'rampUp'], `expected 0s (off) or a duration from 10s to 1h, got ${String(svc.l4.rampUp)}`);
  }
}

function checkTls(svc: RawService, s: number, report: Report): void {
  const tls = svc.l7.tls;
  if (!tls) return;
  reportDuplicates(tls.certificates, (c) => c, (i) => at(s, 'tls', 'certificates', i), 'certificate', report);
  const chars = tls.certificates.reduce((n, c) => n + c.length + ' crt '.length, 0);
  if (chars > MAX_CERT_PATHS_CHARS) {
    report(at(s, 'tls', 'certificates'), `expected the certificate paths to fit one HAProxy bind line: at most ${MAX_CERT_PATHS_CHARS} characters together, got ${chars}`);
  }
  if (tls.alpn) {
    reportDuplicates(tls.alpn, (p) => p, (i) => at(s, 'tls', 'alpn', i), 'ALPN protocol', report);
    if (svc.l7.mode !== 'http') {
      report(at(s, 'tls', 'alpn'), 'expected no alpn in mode tcp: HAProxy hands the decrypted bytes to the server as they are, so offering h2 or http/1.1 would promise a protocol the service does not speak');
    }
  }
}
