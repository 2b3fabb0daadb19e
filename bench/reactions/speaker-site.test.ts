import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSiteText } from '../../site/index.js';
import { withSpeaker } from './speaker-site.js';

describe('withSpeaker', () => {
  const lab = readFileSync(new URL('../../lab/site.yaml', import.meta.url), 'utf8');
  it.each(['gobgp', 'bird'] as const)('gives the lab site speaker %s and changes nothing else', (speaker) => {
    const parsed = parseSiteText(withSpeaker(lab, speaker));
    const before = parseSiteText(lab);
    if (!parsed.ok || !before.ok) throw new Error('the lab site does not validate');
    expect(parsed.site.bgp.speaker).toBe(speaker);
    expect({ ...parsed.site, bgp: { ...parsed.site.bgp, speaker: 'x' } }).toEqual({ ...before.site, bgp: { ...before.site.bgp, speaker: 'x' } });
  });
});
