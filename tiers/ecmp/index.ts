// The ECMP tier: BGP configs of routers, reflectors and L4 speakers, and the
// run-time announce/withdraw helpers the L4 agent uses.
export { renderEcmp, renderBirdVips } from './render.js';
export { gobgpAnnounceArgs, gobgpGracefulShutdownArgs, gobgpWithdrawArgs, type AnnounceOptions } from './view-gobgp.js';
export { bgpPaths, GOBGP_API_PORT, type BgpPaths } from './paths.js';
export { birdReload, birdSpec, gobgpdReload, gobgpdSpec, type DaemonCommand, type DaemonReload } from './daemons.js';
export { diffAnnouncements, normalizeAnnouncements, type Announcement, type BgpSpeaker, type SpeakerResult } from './speaker.js';
export { gobgpSpeaker, parseGobgpRib } from './speaker-gobgp.js';
export { birdSpeaker, parseBirdVips, BIRD_VIPS_FILE } from './speaker-bird.js';
