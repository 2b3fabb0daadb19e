// A series' name in a legend, as Grafana names it: the target's legendFormat
// with each {{label}} replaced by the series' value of that label, or without
// one the metric name and its labels. Pure.

/** `{{instance}} {{vip}}` → `l4-1 198.51.100.1`; a label the series lacks gives nothing, as in Grafana. */
export function legendText(format: string | undefined, metric: Readonly<Record<string, string>>, expr: string): string {
  if (format !== undefined && format.trim() !== '' && format !== '__auto') {
    return format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, label: string) => metric[label] ?? '').replace(/\s+/g, ' ').trim();
  }
  const { __name__: name, ...labels } = metric;
  const pairs = Object.keys(labels).sort().map((k) => `${k}="${labels[k] ?? ''}"`);
  if (pairs.length === 0) return name ?? expr;
  return `${name ?? ''}{${pairs.join(', ')}}`;
}
