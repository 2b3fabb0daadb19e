export * from './brand.js';
export * from './duration.js';
export * from './errors.js';
export * from './model.js';
export { parseSiteText, parseSiteValue, type SiteResult } from './parse.js';
export { zoneOf } from './crosscheck-dns.js';
export * from './query.js';
export { checkOverrides, overrideNode, type NodeOverrides } from './override.js';
export { prefixAddresses, prefixHolds, type Prefix } from './prefix.js';
