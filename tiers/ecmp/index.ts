// The ECMP tier: BGP configs of routers, reflectors and L4 speakers, and the
// run-time announce/withdraw helpers the L4 agent uses.
export { renderEcmp, renderBirdVips } from './render.js';
export { gobgpAnnounceArgs, gobgpGracefulShutdownArgs, gobgpWithdrawArgs, type AnnounceOptions } from './view-gobgp.js';
