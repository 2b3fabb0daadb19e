// Prints a StatusReport the way `ipvsadm -Ln` reads, with the plan beside
// the kernel. Pure: text in, text out.
import type { StatusReport } from '../agent/observe/status.js';

export function formatStatus(s: StatusReport): string {
  const out: string[] = [`node ${s.node} (${s.role}) of site ${s.site}`];
  for (const m of s.maintenance) out.push(`  ${m.file}: ${m.state}${m.reason ? ` (${m.reason})` : ''}`);
  if (s.lastTurn) out.push(`  last turn: ${s.lastTurn.outcome} at ${s.lastTurn.at} after ${s.lastTurn.reasons.join(', ')}`);
  for (const d of s.daemons) out.push(`  daemon ${d.name}: ${d.pid === null ? 'not running' : `pid ${d.pid}`}, ${d.restarts} restart(s)`);
  for (const n of s.notes ?? []) out.push(`  ${n}`);
  if (s.sessions && s.sessions.length > 0) {
    out.push('', 'BGP sessions');
    out.push(...table(['PEER', 'ADDRESS', 'FAMILY', 'STATE', 'INFO'], s.sessions.map((x) => [x.peer, x.address, x.family, x.state, x.info ?? ''])));
  }
  for (const svc of s.services) {
    out.push('', `service ${svc.name}${svc.digest ? `  table ${svc.digest}` : ''}${svc.maglev ? `  maglev ${svc.maglev.digest}` : ''}`);
    if (svc.vips.some((v) => v.nextHops !== undefined)) {
      out.push(...table(['VIP', 'ANNOUNCE', 'WHY', 'NEXT HOPS'], svc.vips.map((v) => [v.vip, v.announce, v.reason, (v.nextHops ?? []).join(' ')])));
    } else {
      out.push(...table(['VIP', 'ANNOUNCE', 'WHY'], svc.vips.map((v) => [v.vip, v.announce, v.reason])));
    }
    if (svc.realServers.length > 0) {
      out.push(...table(
        ['REAL SERVER', 'ADDRESS', 'HEALTH', 'WEIGHT', 'KERNEL', 'ACTIVE', 'INACTIVE'],
        svc.realServers.map((r) => [r.name, r.address, r.health, num(r.desiredWeight), num(r.kernelWeight), num(r.activeConns), num(r.inactiveConns)]),
      ));
    }
    for (const d of svc.drift ?? []) out.push(`  drift: ${d}`);
  }
  return `${out.join('\n')}\n`;
}

const num = (n: number | null): string => (n === null ? '-' : String(n));

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}
