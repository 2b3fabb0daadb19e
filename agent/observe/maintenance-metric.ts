// The maintenance file's current state as the agent read it, one series at
// a time: the dashboard's "Maintenance files, current state" shows what
// each node's operator file says (disabled, drain, down, stopping, …).
import type { Metrics } from './metrics.js';

export function showMaintenanceState(metrics: Pick<Metrics, 'maintenance'>, file: string, state: string): void {
  metrics.maintenance.reset();
  metrics.maintenance.set({ file, state }, 1);
}
