import { describe, expect, it } from 'vitest';
import { loadSite, nodeOf } from '../../test/helpers/site.js';
import { birdSpec } from './daemons.js';

const site = loadSite();
const files = { configFile: '/c/bird.conf', socket: '/r/bird.ctl', pidFile: '/r/bird.pid' };
const BASE = ['-f', '-c', '/c/bird.conf', '-s', '/r/bird.ctl', '-P', '/r/bird.pid'];

describe('birdSpec', () => {
  it('starts a router\'s BIRD plainly the first time and with -R after it died', () => {
    const spec = birdSpec(nodeOf(site, 'rt-1'), files);
    expect(spec).toMatchObject({ command: 'bird', args: BASE, restartArgs: [...BASE, '-R'], outlivesAgent: true });
  });

  it('wraps the restart arguments too when the router\'s BIRD dies with the agent', () => {
    const spec = birdSpec(nodeOf(site, 'rt-1'), { ...files, dieWithAgent: true });
    expect(spec.restartArgs).toEqual(['--pdeathsig', 'TERM', '--', 'bird', ...BASE, '-R']);
  });

  it('starts an L4 speaker\'s BIRD the same way every time: it keeps no kernel routes', () => {
    expect(birdSpec(nodeOf(site, 'l4-1'), files).restartArgs).toBeUndefined();
  });
});
