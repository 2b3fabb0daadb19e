import { describe, expect, it } from 'vitest';
import { renderEcmp } from '../../tiers/ecmp/index.js';
import { loadSite, nodeOf } from '../../test/helpers/site.js';
import { oldBirdConf, oldGobgpdToml } from './old-config.js';

const site = loadSite();
const file = (node: string, name: string): string => renderEcmp(site, nodeOf(site, node)).files.find((f) => f.name === name)?.content ?? '';

describe('oldBirdConf', () => {
  it('takes every graceful-restart statement, and the comment above the global one, out of a router\'s bird.conf', () => {
    const { text, removed } = oldBirdConf(file('rt-1', 'bird.conf'));
    // The wait, two kernel protocols, four sessions.
    expect(removed).toBe(7);
    expect(text).not.toMatch(/graceful restart|-R \(graceful/);
    expect(text).toMatch(/^router id 10\.0\.0\.1;\n\nprotocol device \{/m);
    expect(text.match(/merge paths on;/g)).toHaveLength(2);
  });

  it('leaves a file without graceful restart as it is', () => {
    expect(oldBirdConf('router id 1.1.1.1;\n# a comment\nprotocol device {\n}\n')).toEqual({ text: 'router id 1.1.1.1;\n# a comment\nprotocol device {\n}\n', removed: 0 });
  });
});

describe('oldGobgpdToml', () => {
  it('takes the graceful-restart table and its keys out of a reflector\'s gobgpd.toml, and nothing else', () => {
    const before = file('rr-1', 'gobgpd.toml');
    const { text, removed } = oldGobgpdToml(before);
    expect(removed).toBe(4);
    expect(text).not.toMatch(/graceful-restart|helper-only/);
    expect(text.split('\n')).toHaveLength(before.split('\n').length - 4 * 3);
    expect(text.match(/route-reflector-client = true/g)).toHaveLength(before.match(/route-reflector-client = true/g)?.length ?? -1);
  });
});
