// Renders the ECMP tier's files from the view-models: BIRD on routers, gobgpd
// on reflectors, the site's chosen speaker on L4 nodes; nothing elsewhere.
import type { IpAddress, Site, SiteNode } from '../../site/index.js';
import type { NodeRender, RenderedFile } from '../common/files.js';
import { renderTemplate } from '../common/template.js';
import { BIRD_BFD_FILE, birdBfdView } from './bfd.js';
import { routerNetOps } from './netops.js';
import { birdConfView, birdVipsView } from './view-bird.js';
import { gobgpView } from './view-gobgp.js';
import type { TimersView } from './view.js';

const NOTHING: NodeRender = { files: [], netOps: [] };

export interface EcmpRenderOptions {
  /** Router: per session symbol, timers other than the site's (see rolling-timers.ts). */
  readonly sessionTimers?: ReadonlyMap<string, TimersView>;
}

export function renderEcmp(site: Site, node: SiteNode, options: EcmpRenderOptions = {}): NodeRender {
  switch (node.role) {
    case 'router':
      return { files: [birdConf(site, { ...node, role: 'router' }, options.sessionTimers)], netOps: routerNetOps() };
    case 'reflector':
      return { files: [gobgpdToml(site, { ...node, role: 'reflector' })], netOps: [] };
    case 'l4':
      return { files: l4Files(site, { ...node, role: 'l4' }, options.sessionTimers), netOps: [] };
    case 'l7':
    case 'backend':
    case 'dns':
      return NOTHING;
  }
}

function l4Files(site: Site, node: SiteNode & { role: 'l4' }, sessionTimers?: ReadonlyMap<string, TimersView>): RenderedFile[] {
  switch (site.bgp.speaker) {
    case 'gobgp':
      return [gobgpdToml(site, node), ...birdBfdConf(site, node)];
    case 'bird':
      // Nothing is announced before the agent has checked the L7 quorum.
      return [birdConf(site, node, sessionTimers), { name: 'bird-vips.conf', daemon: 'bird', content: renderBirdVips(site, node, [], { gracefulShutdown: false }) }];
  }
}

function birdConf(site: Site, node: SiteNode & { role: 'router' | 'l4' }, sessionTimers?: ReadonlyMap<string, TimersView>): RenderedFile {
  return { name: 'bird.conf', daemon: 'bird', content: renderTemplate('ecmp/bird.conf.ejs', 'bird', birdConfView(site, node, sessionTimers)) };
}

/** The BFD-only BIRD beside gobgpd; none when the site disables BFD. */
function birdBfdConf(site: Site, node: SiteNode & { role: 'l4' }): RenderedFile[] {
  const view = birdBfdView(site, node);
  return view ? [{ name: BIRD_BFD_FILE, daemon: 'bird-bfd', content: renderTemplate('ecmp/bird-bfd.conf.ejs', 'bird', view) }] : [];
}

function gobgpdToml(site: Site, node: SiteNode & { role: 'reflector' | 'l4' }): RenderedFile {
  return { name: 'gobgpd.toml', daemon: 'gobgpd', content: renderTemplate('ecmp/gobgpd.toml.ejs', 'toml', gobgpView(site, node)) };
}

/** bird-vips.conf announcing `vips` (site order, whatever the given order); the agent writes it, then `birdc configure`. */
export function renderBirdVips(site: Site, node: SiteNode, vips: readonly IpAddress[], options: { readonly gracefulShutdown: boolean }): string {
  return renderTemplate('ecmp/bird-vips.conf.ejs', 'bird', birdVipsView(site, node, vips, options.gracefulShutdown));
}
