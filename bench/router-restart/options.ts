// The router-restart bench's command line, read strictly: every bad option is
// named at once, before a namespace is made. Pure.
import { parseArgs } from 'node:util';
import type { Behaviour } from './lab.js';

export const SCENARIOS = ['kill', 'reflector-down'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const BEHAVIOURS: readonly Behaviour[] = ['old', 'new'];

export interface RestartOptions {
  readonly runs: number;
  readonly behaviours: readonly Behaviour[];
  readonly scenarios: readonly Scenario[];
  /** How long the route is sampled after each kill. */
  readonly windowMs: number;
  /** Pause between two samples (each sample is an `ip` process, a few ms more). */
  readonly intervalMs: number;
  readonly site: string;
  readonly out: string;
  readonly help: boolean;
}

export const USAGE = 'usage: npm run bench:router-restart -- [--runs N (1-50, default 5)] [--behaviours old,new] [--scenarios kill,reflector-down] [--window S (5-120, default 15)] [--interval MS (10-200, default 25)] [--site FILE] [--out DIR]';

const whole = (name: string, text: string, min: number, max: number, errors: string[]): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) errors.push(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
};

function listOf<T extends string>(name: string, text: string, allowed: readonly T[], errors: string[]): T[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0 || items.some((s) => !(allowed as readonly string[]).includes(s))) {
    errors.push(`${name}: expected a comma-separated list among ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return [...new Set(items)] as T[];
}

export function parseRestartOptions(args: readonly string[], defaults: { readonly site: string; readonly out: string }): RestartOptions {
  const { values: v } = parseArgs({ args: [...args], options: {
    runs: { type: 'string', default: '5' }, behaviours: { type: 'string', default: 'old,new' }, scenarios: { type: 'string', default: SCENARIOS.join(',') },
    window: { type: 'string', default: '15' }, interval: { type: 'string', default: '25' },
    site: { type: 'string', default: defaults.site }, out: { type: 'string', default: defaults.out }, help: { type: 'boolean', default: false },
  } });
  const errors: string[] = [];
  const runs = whole('--runs', v.runs, 1, 50, errors);
  const windowS = whole('--window', v.window, 5, 120, errors);
  const intervalMs = whole('--interval', v.interval, 10, 200, errors);
  const behaviours = listOf('--behaviours', v.behaviours, BEHAVIOURS, errors);
  const scenarios = listOf('--scenarios', v.scenarios, SCENARIOS, errors);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { runs, behaviours, scenarios, windowMs: windowS * 1000, intervalMs, site: v.site, out: v.out, help: v.help };
}
