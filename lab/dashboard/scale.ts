// Axes of a chart: round tick values for the value axis, whole minutes (or
// seconds) for the time axis, and values written as Grafana writes them for
// the units the dashboard uses. Pure.

/** Ticks from `min` to at least `max` at a step of 1, 2 or 5 times a power of ten, about `count` of them. */
export function valueTicks(min: number, max: number, count = 5): number[] {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return [min];
  const raw = span / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const out: number[] = [];
  for (let v = first, i = 0; i < 100; v += step, i++) {
    out.push(Number(v.toPrecision(12)));
    if (v >= max - step * 1e-9) break;
  }
  return out;
}

const TIME_STEPS_S = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** Instants (unix seconds) on round boundaries within [start, end], about `count` of them. */
export function timeTicks(start: number, end: number, count = 8): number[] {
  const span = end - start;
  if (!(span > 0)) return [start];
  const step = TIME_STEPS_S.find((s) => span / s <= count) ?? 3600;
  const out: number[] = [];
  for (let t = Math.ceil(start / step) * step, i = 0; t <= end && i < 200; t += step, i++) out.push(t);
  return out;
}

/** `HH:MM` (UTC), with seconds when the instant is not on a minute. */
export function clockText(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return unixSeconds % 60 === 0 ? iso.slice(11, 16) : iso.slice(11, 19);
}

const trim = (n: number, digits: number): string => String(Number(n.toFixed(digits)));

/** A value for an axis or a legend: seconds as ms/s/min for unit `s`, otherwise short SI (1.5K, 2M). */
export function valueText(v: number, unit: string | undefined): string {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 's') {
    const a = Math.abs(v);
    if (a === 0) return '0 s';
    if (a < 1e-3) return `${trim(v * 1e6, 1)} µs`;
    if (a < 1) return `${trim(v * 1e3, 1)} ms`;
    if (a < 60) return `${trim(v, 2)} s`;
    return `${trim(v / 60, 1)} min`;
  }
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9, 2)}G`;
  if (a >= 1e6) return `${trim(v / 1e6, 2)}M`;
  if (a >= 1e3) return `${trim(v / 1e3, 2)}K`;
  if (a > 0 && a < 0.01) return v.toExponential(1);
  return trim(v, a < 1 ? 3 : 2);
}
