// The checkers as the agent runs them before an install: a refusal comes back
// with the daemon's own words, whichever stream the daemon printed them on,
// so the log line about a refused config says why.
import { describe, expect, it } from 'vitest';
import { daemonChecker } from '../../agent/install/checkers.js';
import type { Daemon } from '../../tiers/common/files.js';
import { writeTree } from '../helpers/checker.js';

const broken: readonly { daemon: Daemon; files: Record<string, string>; says: RegExp }[] = [
  { daemon: 'haproxy', files: { 'haproxy.cfg': 'global\n    foo bar\n' }, says: /unknown keyword 'foo' in 'global' section/ },
  { daemon: 'bird', files: { 'bird.conf': 'router id 10.0.0.1;\nprotocol nonsense {}\n' }, says: /bird\.conf:2:\d+ syntax error/ },
  { daemon: 'bird-bfd', files: { 'bird-bfd.conf': 'router id 10.0.0.21;\nprotocol bfd { neighbor; }\n' }, says: /bird-bfd\.conf:2:\d+ syntax error/ },
  { daemon: 'gobgpd', files: { 'gobgpd.toml': '[global.config]\nas = "x"\n' }, says: /cannot parse 'global\.config\.as'/ },
  { daemon: 'gdnsd', files: { 'gdnsd/config': 'options => { nonsense => 1 }\n' }, says: /Invalid options key 'nonsense'/ },
];

describe('daemonChecker', () => {
  it.each(broken.map((b) => [b.daemon, b] as const))('%s: a refused config comes back with the daemon\'s own reason', async (_name, b) => {
    const verdict = await daemonChecker(b.daemon)?.(writeTree(b.files));
    expect(verdict?.ok).toBe(false);
    expect(verdict?.output).toMatch(b.says);
  });
});
