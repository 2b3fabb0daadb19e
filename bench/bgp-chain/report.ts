// The BGP chain bench's table: one row per speaker and action, one column
// per hop, each the instant from the call as p50 / p99. Pure.
import { ACTIONS, HOPS } from './samples.js';
import type { ActionFigures, HopFigures } from './stats.js';

/** What of the lab's chain (bench:reactions) this bench leaves out, said in every report. */
export const NOT_REPRODUCED: readonly string[] = [
  'The L4 agent around the speaker: no maintenance file, inotify event or agent turn comes first; each action starts at the speaker call (the lab bench\'s "speaker call began").',
  'The drain time between the graceful-shutdown community and the withdraw: the withdraw follows as soon as the routers have moved.',
  'The other VIPs: one IPv4 VIP is announced (the IPv6 sessions run, with nothing on them).',
  'The site\'s further L4 nodes are not started: the reflectors keep retrying their sessions, as for nodes that are down.',
  'The user-mode-linux kernel, IPVS, the L7 tier and the mount namespaces: the daemons, the speaker nodes and the monitors share this host\'s CPUs.',
];

export interface ChainReport {
  readonly startedAt: string;
  /** Machine, kernel, daemons, site. */
  readonly where: string;
  readonly figures: readonly ActionFigures[];
  readonly notes: readonly string[];
  readonly tookSeconds: number;
}

/** Sub-millisecond figures keep a decimal: on the host the hops are a few ms. */
export const ms = (v: number | null): string => (v === null ? '—' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);

const cell = (h: HopFigures | undefined, reps: number): string => {
  if (h === undefined || h.seen === 0) return `— (seen 0/${reps})`;
  return `${ms(h.p50)} / ${ms(h.p99)}${h.seen < reps ? ` (seen ${h.seen}/${reps})` : ''}`;
};

export function chainTable(r: ChainReport): string {
  const lines = [
    `# BGP chain bench, ${r.startedAt}`,
    '',
    r.where,
    '',
    'Each action is the L4 agent\'s speaker call (its Announcer and speaker driver, in the node\'s namespace); every figure is the instant from the call, p50 / p99 by nearest rank over the repetitions that saw it. A router kernel hop is stamped by `ip -ts monitor route` in the router\'s namespace when its route to the VIP has the expected next hops; "first router kernel" is the first change of that route on any router. The reflectors\' receipt is stamped when `gobgp monitor adj-in`\'s line reaches the bench.',
    '',
    `| speaker | action → effect | reps | ${HOPS.join(' | ')} |`,
    `|---|---|---|${HOPS.map(() => '---|').join('')}`,
    ...r.figures.map((f) => {
      const a = ACTIONS.find((x) => x.id === f.action);
      const hops = HOPS.map((hop) => cell(f.hops.find((h) => h.hop === hop), f.reps));
      return `| ${f.speaker} | ${a ? `${a.call} → ${a.effect}` : f.action} | ${f.reps} | ${hops.join(' | ')} |`;
    }),
    '',
    `Took ${Math.round(r.tookSeconds)} s in all.`,
    '',
    '## Not reproduced from the lab',
    '',
    ...NOT_REPRODUCED.map((n) => `- ${n}`),
    '',
  ];
  if (r.notes.length > 0) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n.replace(/\n/g, ' ')}`), '');
  return `${lines.join('\n')}\n`;
}

/** bench/results/bgp-chain-2026-12-02T1159Z: minutes, UTC. */
export function resultBase(startedAt: Date): string {
  return `bgp-chain-${startedAt.toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(':', '')}`;
}
