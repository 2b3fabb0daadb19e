export { readMaintenanceFile } from './read.js';
