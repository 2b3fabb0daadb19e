import { nodesWithRole, type Site } from '../site/index.js';
import { readSite } from './read-site.js';

export async function validateCommand(file: string, out: (line: string) => void): Promise<Site> {
  const site = await readSite(file);
  const roles = (['router', 'reflector', 'l4', 'l7', 'backend', 'dns'] as const)
    .map((r) => `${nodesWithRole(site, r).length} ${r}`)
    .join(', ');
  out(`${file}: valid site "${site.name}": ${site.services.length} service(s), ${site.nodes.length} node(s) (${roles})`);
  return site;
}
