// Whether the L4 nodes hold the same Maglev tables: what each publishes in
// its status, how a peer's report is read, how two are compared. Pure.
export { compareKernels, compareNodes, compareTable, tablesOfKernel, type NodeTables, type TableAgreement, type TableView } from './compare.js';
export { expectedTable, maglevDigest, maglevServiceStatus, type MaglevServiceStatus, type MaglevTableStatus } from './expected.js';
export { readPeerTables, type PeerTables } from './peer-report.js';
export { compareReports, type ServiceAgreement } from './reports.js';
