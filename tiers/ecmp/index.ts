// The ECMP tier: BGP configs of routers, reflectors and L4 speakers, and the
// run-time announce/withdraw helpers the L4 agent uses. The speaker drivers
// themselves are effects: agent/drivers/bird/ and agent/drivers/gobgp/.
export { renderEcmp, renderBirdVips } from './render.js';
export { gobgpAnnounceArgs, gobgpGracefulShutdownArgs, gobgpWithdrawArgs, type AnnounceOptions } from './view-gobgp.js';
export { bgpPaths, GOBGP_API_PORT, type BgpPaths } from './paths.js';
export { BIRD_BFD_FILE, bfdPairs, type BfdPair } from './bfd.js';
export { birdBfdSpec, birdReload, birdSpec, gobgpdReload, gobgpdSpec, type DaemonCommand, type DaemonReload } from './daemons.js';
export { diffAnnouncements, normalizeAnnouncements, type Announcement, type BgpSpeaker, type SpeakerResult } from './speaker.js';
export { parseGobgpRib } from './gobgp-rib.js';
export {
  gobgpAddPathRequest, gobgpDeletePathRequest, gobgpListPathRequest, parseGobgpDestinations,
  type AddPathRequest, type DeletePathRequest, type ListPathRequest, type Reading,
} from './gobgp-api.js';
export { parseBirdVips, BIRD_VIPS_FILE } from './bird-vips.js';
