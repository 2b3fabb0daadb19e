// What the dashboard picture is made of: the Grafana dashboard's panels as
// far as the picture uses them, and what Prometheus answered for each of
// their queries over the run's window. Both cross a boundary (a file Grafana
// users edit, a file the lab kernel writes), so both are parsed here once.
import { z } from 'zod';

const gridPos = z.object({ x: z.number().int().min(0).max(23), y: z.number().int().min(0), w: z.number().int().min(1).max(24), h: z.number().int().min(1) });
const target = z.object({ refId: z.string(), expr: z.string().min(1), legendFormat: z.string().optional() });
const panel = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string(),
  gridPos,
  targets: z.array(target).default([]),
  fieldConfig: z.object({ defaults: z.object({ unit: z.string().optional() }).default({}) }).default({ defaults: {} }),
});
const dashboard = z.object({ title: z.string(), panels: z.array(panel) });

export type GridPos = z.infer<typeof gridPos>;
export type DashboardTarget = z.infer<typeof target>;
export type DashboardPanel = z.infer<typeof panel>;
export type Dashboard = z.infer<typeof dashboard>;

/** One series of a range query, as Prometheus's API returns it: label set and [unix seconds, value text] pairs. */
const series = z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) });
const targetResult = z.object({
  panelId: z.number().int(),
  refId: z.string(),
  expr: z.string(),
  series: z.array(series),
  /** Prometheus refused the query or did not answer: said in the panel instead of a chart. */
  error: z.string().optional(),
});
/** Something the run did at an instant (an operator's command), drawn as a marker on every chart. */
const marker = z.object({ at: z.number(), text: z.string() });
const results = z.object({
  /** The window, unix seconds, and the step of every range query. */
  start: z.number(),
  end: z.number(),
  step: z.number().positive(),
  targets: z.array(targetResult),
  markers: z.array(marker).default([]),
  /** A line under the title saying where the data came from. */
  caption: z.string().optional(),
});

export type Series = z.infer<typeof series>;
export type TargetResult = z.infer<typeof targetResult>;
export type Marker = z.infer<typeof marker>;
export type DashboardResults = z.infer<typeof results>;

/** A query of a panel, as the guest runs it. */
export interface PanelQuery { readonly panelId: number; readonly refId: string; readonly expr: string }

const issues = (what: string, e: z.ZodError): Error =>
  new Error(`${what}: ${e.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);

export function parseDashboard(json: unknown): Dashboard {
  const r = dashboard.safeParse(json);
  if (!r.success) throw issues('the dashboard', r.error);
  return r.data;
}

export function parseResults(json: unknown): DashboardResults {
  const r = results.safeParse(json);
  if (!r.success) throw issues('the dashboard results', r.error);
  return r.data;
}

/** Every query of every panel, in the dashboard's order. */
export function panelQueries(d: Dashboard): PanelQuery[] {
  return d.panels.flatMap((p) => p.targets.map((t) => ({ panelId: p.id, refId: t.refId, expr: t.expr })));
}

const guestOptions = z.object({ queries: z.array(z.object({ panelId: z.number().int(), refId: z.string(), expr: z.string().min(1) })) });
export type GuestOptions = z.infer<typeof guestOptions>;

/** What the host hands the guest program (LOG/dashboard-options.json): the queries to run at the end. */
export function parseGuestOptions(json: unknown): GuestOptions {
  const r = guestOptions.safeParse(json);
  if (!r.success) throw issues('the dashboard options', r.error);
  return r.data;
}

export const OPTIONS_FILE = 'dashboard-options.json';
export const RESULTS_FILE = 'dashboard-results.json';
