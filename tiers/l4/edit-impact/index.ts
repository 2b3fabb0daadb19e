// How far an edit of the site file moves the L4 nodes' Maglev tables. Pure.
export { serviceEditImpact, type EditPhase, type ServiceEditImpact } from './service-edit.js';
export { siteEditImpact, type TableEdit, type TableEditImpact } from './site-edit.js';
