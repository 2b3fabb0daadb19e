// Tier 2: IPVS with the Maglev (`mh`) scheduler in tunnel mode.
export { planIpvs, type L7Weights, type ServiceWeights } from './plan.js';
export { ipvsRulesText, renderL4 } from './render.js';
export { tableDigest, tableText } from './digest.js';
export { destinationOrder } from './order.js';
export { IPVS_SYSCTLS, VIP_DEVICE, planNetOps } from './sysctl.js';
export {
  FULL_WEIGHT,
  MAX_WEIGHT,
  MH_FLAG_BITS,
  canonicalFlags,
  endpoint,
  flagBits,
  type IpvsDestination,
  type IpvsService,
  type IpvsState,
} from './model.js';
