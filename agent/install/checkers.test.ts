// The checker's verdicts from a stand-in `haproxy` on PATH: a checker that
// runs past its bound, or cannot run, has said nothing about the config.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { daemonChecker } from './checkers.js';

let path: string | undefined;
beforeEach(() => { path = process.env.PATH; });
afterEach(() => { process.env.PATH = path; });

function haproxyThat(script: string): void {
  const bin = mkdtempSync(join(tmpdir(), 'tierlb-checker-'));
  writeFileSync(join(bin, 'haproxy'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'haproxy'), 0o755);
  process.env.PATH = `${bin}:${path ?? ''}`;
}

describe('daemonChecker', () => {
  it('gives no verdict when the checker runs past its bound, even if it printed that the file is valid', async () => {
    haproxyThat('echo "Configuration file is valid" >&2; exec sleep 5');
    const v = await daemonChecker('haproxy', 300)?.(tmpdir());
    expect(v).toMatchObject({ ok: false, undecided: true });
    expect(v?.output).toMatch(/did not finish within 300 ms/);
  });

  it('refuses when the checker exits non-zero, with what it printed', async () => {
    haproxyThat('echo "[ALERT] parsing error" >&2; exit 1');
    const v = await daemonChecker('haproxy', 5000)?.(tmpdir());
    expect(v).toEqual({ ok: false, output: '[ALERT] parsing error' });
  });

  it('gives no verdict when the checker cannot run at all', async () => {
    process.env.PATH = mkdtempSync(join(tmpdir(), 'tierlb-empty-path-'));
    const v = await daemonChecker('haproxy', 5000)?.(tmpdir());
    expect(v).toMatchObject({ ok: false, undecided: true });
  });
});
