// haproxy.cfg of one L7 node as a view-model: every decision about the file
// is made here, the template only prints.
import { servicesOnL7, type Site, type SiteNode } from '../../site/index.js';
import type { CertificateDigests } from './certificates.js';
import { haproxyPaths } from './paths.js';
import { backendName, enablerView, serviceView } from './view-backends.js';
import { monitorView, statsView } from './view-frontends.js';
import type { GlobalView, HaproxyView } from './view-types.js';

/**
 * After a reload, old workers keep serving the connections they hold until
 * those end. This bounds how long: far above the services' timeouts (60s by
 * default), so ordinary requests and downloads finish, yet a chain of reloads
 * cannot pile up workers held alive by a few idle long-lived sessions.
 */
const HARD_STOP_AFTER = '1h';

function globalView(node: SiteNode): GlobalView {
  const paths = haproxyPaths(node);
  return {
    adminSocket: paths.adminSocket,
    pidFile: paths.pidFile,
    stateFile: paths.stateFile,
    hardStopAfter: HARD_STOP_AFTER,
  };
}

/** `certificates`: the digests of the TLS certificate files as the agent read them (certificates.ts). */
export function haproxyView(site: Site, node: SiteNode, certificates?: CertificateDigests): HaproxyView {
  const services = servicesOnL7(site, node.name);
  return {
    node: node.name,
    global: globalView(node),
    stats: statsView(site, node),
    monitor: monitorView(site, node, services, backendName),
    enabler: enablerView(node),
    services: services.map((s) => serviceView(site, s, certificates)),
  };
}
