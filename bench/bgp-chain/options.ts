// The bench's command line, read strictly: every bad option is named at once,
// before a namespace is made. Pure.
import { parseArgs } from 'node:util';
import { SPEAKERS, type Speaker } from '../reactions/speaker-site.js';

export const MAX_REPS = 200;
export const MAX_SECONDS = 1800;

export interface ChainOptions {
  readonly reps: number;
  readonly speakers: readonly Speaker[];
  /** The whole run's bound: repetitions stop short of it, leaving time to clean up. */
  readonly maxSeconds: number;
  readonly site: string;
  readonly out: string;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench:bgp-chain -- [--reps N (1-${MAX_REPS}, default 20)] [--speakers bird,gobgp] [--max-seconds S (60-${MAX_SECONDS}, default 480)] [--site FILE] [--out DIR]`;

const whole = (name: string, text: string, min: number, max: number, errors: string[]): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) errors.push(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
};

export function parseChainOptions(args: readonly string[], defaults: { readonly site: string; readonly out: string }): ChainOptions {
  const { values: v } = parseArgs({ args: [...args], options: {
    reps: { type: 'string', default: '20' }, speakers: { type: 'string', default: 'bird,gobgp' }, 'max-seconds': { type: 'string', default: '480' },
    site: { type: 'string', default: defaults.site }, out: { type: 'string', default: defaults.out }, help: { type: 'boolean', default: false },
  } });
  const errors: string[] = [];
  const reps = whole('--reps', v.reps, 1, MAX_REPS, errors);
  const maxSeconds = whole('--max-seconds', v['max-seconds'], 60, MAX_SECONDS, errors);
  const items = v.speakers.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !(SPEAKERS as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0) errors.push(`--speakers: expected a comma-separated list among ${SPEAKERS.join(', ')}, got ${JSON.stringify(v.speakers)}`);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { reps, speakers: [...new Set(items)] as Speaker[], maxSeconds, site: v.site, out: v.out, help: v.help };
}
