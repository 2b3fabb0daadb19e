// Tier 3: HAProxy on L7 nodes. Pure: the site and the node in, the files and
// kernel operations out.
import type { Site, SiteNode } from '../../site/index.js';
import type { NodeRender } from '../common/files.js';
import { renderTemplate } from '../common/template.js';
import { l7NetOps } from './netops.js';
import { haproxyView } from './view.js';
import type { HaproxyView } from './view-types.js';

export { haproxyPaths, type HaproxyPaths } from './paths.js';
export { haproxyView } from './view.js';
export type { HaproxyView } from './view-types.js';
export { l7NetOps } from './netops.js';

export const HAPROXY_TEMPLATE = 'l7/haproxy.cfg.ejs';

export function renderL7(site: Site, node: SiteNode): NodeRender {
  if (node.role !== 'l7') return { files: [], netOps: [] };
  return { files: [{ name: 'haproxy.cfg', daemon: 'haproxy', content: renderHaproxyCfg(haproxyView(site, node)) }], netOps: l7NetOps(site, node) };
}

export function renderHaproxyCfg(view: HaproxyView): string {
  return renderTemplate(HAPROXY_TEMPLATE, 'haproxy', view);
}
