import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSiteText } from '../../site/index.js';
import { REPO } from '../../test/helpers/site.js';
import { routeLine } from '../script.js';
import { labTopology, type LabTopology } from '../topology.js';
import { upstreamRoute } from './live-edit.js';

const topology = (): LabTopology => {
  const r = parseSiteText(readFileSync(join(REPO, 'lab', 'site.yaml'), 'utf8'));
  if (!r.ok) throw new Error('lab/site.yaml does not parse');
  return labTopology(r.site);
};

describe('the upstream route of a VIP added to the running site', () => {
  it('goes through every router, as the lab routes the VIPs it was built with', () => {
    const t = topology();
    const built = t.routes.find((r) => r.ns === 'internet' && r.to === '198.51.100.1/32');
    if (!built) throw new Error('expected the lab to route 198.51.100.1 from the internet namespace');
    expect(upstreamRoute(t, '198.51.100.5').join(' ')).toBe(routeLine({ ...built, to: '198.51.100.5/32' }).replace(/^route add/, 'route replace'));
  });

  it('is an IPv6 route for an IPv6 VIP', () => {
    const args = upstreamRoute(topology(), '2001:db8::c633:6405');
    expect(args.slice(0, 4)).toEqual(['-6', 'route', 'replace', '2001:db8::c633:6405/128']);
    expect(args.filter((a) => a === 'nexthop')).toHaveLength(2);
  });
});
