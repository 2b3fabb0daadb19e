import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../site/index.js';
import { parseBirdVips } from './bird-vips.js';
import { renderBirdVips } from './render.js';
import { birdSpeakerSite, nodeOf } from './test-sites.js';

const V1 = '198.51.100.1' as IpAddress;
const V2 = '198.51.100.2' as IpAddress;
const V6 = '2001:db8::c633:6402' as IpAddress;

describe('parseBirdVips', () => {
  it('reads the routes and the switch', () => {
    const text = 'define GRACEFUL_SHUTDOWN = true;\nprotocol static vips_ipv4 {\n  ipv4;\n  route 198.51.100.2/32 blackhole;\n  route 198.51.100.1/32 blackhole;\n}\n';
    expect(parseBirdVips(text)).toEqual([{ vip: V1, gracefulShutdown: true }, { vip: V2, gracefulShutdown: true }]);
  });

  it('reads nothing from an empty, foreign or broken file', () => {
    expect(parseBirdVips('')).toEqual([]);
    expect(parseBirdVips('route 198.51.100.1/24 blackhole;\n  route 999.1.1.1/32 blackhole;\n')).toEqual([]);
  });

  it('reads back what the renderer writes', () => {
    const site = birdSpeakerSite();
    const text = renderBirdVips(site, nodeOf(site, 'l4-1'), [V6, V1], { gracefulShutdown: false });
    expect(parseBirdVips(text)).toEqual([{ vip: V1, gracefulShutdown: false }, { vip: V6, gracefulShutdown: false }]);
  });
});
