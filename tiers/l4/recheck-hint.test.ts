import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSite, REPO } from '../../test/helpers/site.js';
import { hintEndpoints, hintTargets, MAX_HINT_BYTES, readRecheckHint, recheckHintText } from './recheck-hint.js';

const site = loadSite(join(REPO, 'lab', 'site.yaml'));
const bytes = (t: string): Uint8Array => Buffer.from(t, 'latin1');

describe('recheck hints', () => {
  it('reads back what an L7 node sends, from either of its addresses', () => {
    expect(readRecheckHint(site, bytes(recheckHintText('l7-1')), '10.0.1.31')).toEqual({ ok: true, l7: 'l7-1' });
    expect(readRecheckHint(site, bytes(recheckHintText('l7-1')), '::ffff:10.0.1.31')).toEqual({ ok: true, l7: 'l7-1' });
    expect(readRecheckHint(site, bytes(recheckHintText('l7-1')), 'fd00:1:0:0::31')).toEqual({ ok: true, l7: 'l7-1' });
  });

  it.each([
    ['a hint from another address', recheckHintText('l7-1'), '10.0.1.32', /not an address of l7-1/],
    ['a node that is not an L7 node', recheckHintText('l4-1'), '10.0.0.21', /not an L7 node/],
    ['an unknown name', recheckHintText('l7-9'), '10.0.1.31', /not an L7 node/],
    ['another text', 'hello\n', '10.0.1.31', /not a recheck hint/],
    ['a name with a newline inside', 'tierlb-recheck 1 l7-1\nl7-2\n', '10.0.1.31', /not a recheck hint/],
    ['an oversized datagram', `tierlb-recheck 1 ${'a'.repeat(MAX_HINT_BYTES)}`, '10.0.1.31', /longer than a hint/],
    ['an empty datagram', '', '10.0.1.31', /not a recheck hint/],
  ])('refuses %s', (_what, text, from, why) => {
    const r = readRecheckHint(site, bytes(text), from);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(why);
  });
});

describe('where hints go and arrive', () => {
  const node = (name: string) => {
    const n = site.nodes.find((x) => x.name === name);
    if (!n) throw new Error(name);
    return n;
  };
  it('sends from the L7 node\'s IPv4 address to every L4 node\'s, on their agent-check port', () => {
    expect(hintTargets(site, node('l7-1'))).toEqual({ from: '10.0.1.31', to: [21, 22, 23].map((h) => ({ address: `10.0.0.${h}`, port: 9300 })) });
  });
  it('listens on each of the L4 node\'s addresses', () => {
    expect(hintEndpoints(node('l4-1'))).toEqual([{ address: '10.0.0.21', port: 9300 }, { address: 'fd00::21', port: 9300 }]);
  });
});
