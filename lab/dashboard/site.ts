// The lab's site for the dashboard picture: the same site with every agent's
// status endpoint on the node's own IPv4 address instead of the default
// loopback, which exists once per network namespace and which no single
// Prometheus could reach. A real site's Prometheus needs the same. Pure.
import { isMap, isSeq } from 'yaml';
import { formatIssue, parseSiteText } from '../../site/index.js';
import { editSite } from '../guest/site-edits.js';

export function withAgentsOnOwnAddresses(text: string): string {
  const parsed = parseSiteText(text);
  if (!parsed.ok) throw new Error(`expected a valid site, got: ${parsed.issues.map((i) => formatIssue(i)).join('; ')}`);
  const port = parsed.site.agent.listen.port;
  return editSite(text, 'put every agent on its own address', (doc) => {
    const nodes = doc.get('nodes');
    if (!isSeq(nodes)) throw new Error('expected a list at nodes');
    nodes.items.forEach((item, i) => {
      const name = isMap(item) ? String(item.get('name')) : '';
      const node = parsed.site.nodes.find((n) => n.name === name);
      const address = node?.addresses.ipv4 ?? node?.addresses.ipv6;
      if (address === undefined) throw new Error(`nodes[${i}]: expected a node with an address`);
      doc.setIn(['nodes', i, 'agent', 'listen'], doc.createNode({ address: String(address), port: Number(port) }, { flow: true }));
    });
  });
}
