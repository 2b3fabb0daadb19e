// Everything a node's agent would install, as a pure function of the site and
// the node's name: the files of every daemon of its role and the kernel
// operations. `tierlb render` prints exactly this.
import { nodeNamed, type Site, type SiteNode } from '../site/index.js';
import { netOpsText, type NodeRender, type RenderedFile } from './common/files.js';
import { renderDns } from './dns/index.js';
import { renderEcmp } from './ecmp/index.js';
import { renderL4 } from './l4/index.js';
import { renderL7 } from './l7/index.js';

const TIERS: readonly ((site: Site, node: SiteNode) => NodeRender)[] = [renderEcmp, renderL4, renderL7, renderDns];

export function renderNode(site: Site, node: SiteNode): NodeRender {
  const parts = TIERS.map((render) => render(site, node));
  const files = parts.flatMap((p) => p.files);
  const netOps = parts.flatMap((p) => p.netOps);
  const names = files.map((f) => f.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) throw new Error(`node ${node.name}: two renderers produced ${clash}`);
  return { files: [...files].sort((a, b) => (a.name < b.name ? -1 : 1)), netOps };
}

/** The files plus `netops.sh`, the kernel operations as the commands an operator would type. */
export function renderNodeFiles(site: Site, nodeName: string): RenderedFile[] | undefined {
  const node = nodeNamed(site, nodeName);
  if (!node) return undefined;
  const { files, netOps } = renderNode(site, node);
  if (netOps.length === 0) return [...files];
  const ops: RenderedFile = { name: 'netops.sh', daemon: 'kernel', content: `# kernel state of ${node.name} (${node.role})\n${netOpsText(netOps)}` };
  return [...files, ops];
}
