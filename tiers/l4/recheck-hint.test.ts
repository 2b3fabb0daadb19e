import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadSite, REPO } from '../../test/helpers/site.js';
import { MAX_HINT_BYTES, readRecheckHint, recheckHintText } from './recheck-hint.js';

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
