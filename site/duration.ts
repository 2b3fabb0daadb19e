// A duration is a value type, not a bare number: the unit travels with it, and
// every renderer asks for the unit its daemon wants.
import type { Checked } from './brand.js';

export class Duration {
  private constructor(readonly ms: number) {}

  static ofMs(ms: number): Duration {
    return new Duration(ms);
  }

  static ofSeconds(s: number): Duration {
    return new Duration(s * 1000);
  }

  get seconds(): number {
    return this.ms / 1000;
  }

  /** Whole seconds, rounding up, for daemons that only take seconds. */
  get ceilSeconds(): number {
    return Math.ceil(this.ms / 1000);
  }

  /** The shortest exact text form, as HAProxy and the YAML accept it: `1500ms`, `3s`, `2m`. */
  toString(): string {
    if (this.ms % 60000 === 0 && this.ms !== 0) return `${this.ms / 60000}m`;
    if (this.ms % 1000 === 0) return `${this.ms / 1000}s`;
    return `${this.ms}ms`;
  }
}

const DURATION_RE = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };

export function toDuration(text: string): Checked<Duration> {
  const m = DURATION_RE.exec(text);
  if (!m?.[1] || !m[2]) {
    return { ok: false, reason: `expected a duration like "500ms", "3s", "2m" or "1h", got ${JSON.stringify(text)}` };
  }
  const ms = Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
  if (!Number.isSafeInteger(ms) || ms > 86400000) {
    return { ok: false, reason: `expected a duration of at most 24h, got ${JSON.stringify(text)}` };
  }
  return { ok: true, value: Duration.ofMs(ms) };
}

/** A duration above 0: `0s` as a timeout means no timeout at all to HAProxy, and an interval of 0 is refused. */
export function toDurationAbove0(text: string): Checked<Duration> {
  const d = toDuration(text);
  if (!d.ok || d.value.ms > 0) return d;
  return { ok: false, reason: `expected a duration above 0, got ${JSON.stringify(text)}` };
}
