import { describe, expect, it } from 'vitest';
import { netOpsText } from '../common/files.js';
import { expectGolden } from '../../test/helpers/golden.js';
import { exampleValue, loadSite, parseValue } from '../../test/helpers/site.js';
import { renderL7 } from './index.js';
import { changedSite, l7Nodes, nodeOf, type ExampleValue } from './test-site.js';

const site = loadSite();
const haproxyCfg = (s = site, name = 'l7-1'): string => renderL7(s, nodeOf(s, name)).files[0]?.content ?? '';

describe('renderL7', () => {
  for (const node of l7Nodes(site)) {
    it(`renders haproxy.cfg of ${node.name} as its golden copy`, () => {
      expectGolden(`l7/${node.name}/haproxy.cfg`, haproxyCfg(site, node.name));
    });

    it(`renders the kernel operations of ${node.name} as their golden copy`, () => {
      expectGolden(`l7/${node.name}/netops.txt`, netOpsText(renderL7(site, node).netOps));
    });
  }

  it('renders the same bytes twice from the same site', () => {
    const again = loadSite();
    expect(renderL7(again, nodeOf(again, 'l7-2'))).toEqual(renderL7(site, nodeOf(site, 'l7-2')));
  });

  it('renders nothing for a node that is not an l7 node', () => {
    expect(renderL7(site, nodeOf(site, 'l4-1'))).toEqual({ files: [], netOps: [] });
  });

  it('names the single file haproxy.cfg for the haproxy daemon', () => {
    const { files } = renderL7(site, nodeOf(site, 'l7-1'));
    expect(files.map((f) => [f.name, f.daemon])).toEqual([['haproxy.cfg', 'haproxy']]);
  });

  it('leaves a service limited to some l7 nodes out of the other nodes', () => {
    const limited = changedSite((v) => { v.services[1].l7.nodes = ['l7-1', 'l7-2']; });
    const cfg = haproxyCfg(limited, 'l7-3');
    expect(cfg).not.toMatch(/fe_api|be_api|\/tierlb\/health\/api|198\.51\.100\.3/);
    expect(netOpsText(renderL7(limited, nodeOf(limited, 'l7-3')).netOps)).not.toContain('198.51.100.3');
  });

  it('keeps a service limited to some l7 nodes on those nodes', () => {
    const limited = changedSite((v) => { v.services[1].l7.nodes = ['l7-1', 'l7-2']; });
    expect(haproxyCfg(limited, 'l7-2')).toContain('backend be_api');
  });

  it('never gets an injected server name to the config: the parser refuses the site', () => {
    const value = exampleValue() as ExampleValue;
    value.pools[0].servers[0].name = 'srv-1 backup\n    server evil 192.0.2.66:80';
    const { site: parsed, issues } = parseValue(value);
    expect(parsed).toBeUndefined();
    expect(issues.map((i) => i.path.join('.'))).toContain('pools.0.servers.0.name');
  });
});
