import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDaemonPid, sameCommandLine } from './bgp-adopt.js';

const BIRD = { command: 'bird', args: ['-f', '-c', '/etc/tierlb/bird.conf', '-s', '/run/tierlb/bird.ctl', '-P', '/run/tierlb/bird.pid'] };

function fakeProc(processes: Record<number, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tierlb-proc-'));
  for (const [pid, argv] of Object.entries(processes)) {
    mkdirSync(join(dir, pid));
    writeFileSync(join(dir, pid, 'cmdline'), argv.length === 0 ? '' : `${argv.join('\0')}\0`);
  }
  mkdirSync(join(dir, 'self'));
  return dir;
}

describe('findDaemonPid', () => {
  it('finds the process with exactly the daemon command line', () => {
    const proc = fakeProc({
      10: ['/usr/sbin/bird', ...BIRD.args],
      11: ['bird', '-f', '-c', '/other/bird.conf', '-s', '/run/tierlb/bird.ctl', '-P', '/run/tierlb/bird.pid'],
      12: ['birdc', '-s', '/run/tierlb/bird.ctl', 'show', 'status'],
      13: [],
    });
    expect(findDaemonPid(BIRD, proc)).toBe(10);
  });

  it('finds nothing when no process matches, or /proc cannot be read', () => {
    expect(findDaemonPid(BIRD, fakeProc({ 20: ['bird', ...BIRD.args, '-d'] }))).toBeUndefined();
    expect(findDaemonPid(BIRD, '/nonexistent-proc')).toBeUndefined();
  });

  it('finds a daemon running with its restart arguments (a router\'s BIRD restarted with -R)', () => {
    const restarted = { ...BIRD, restartArgs: [...BIRD.args, '-R'] };
    expect(findDaemonPid(restarted, fakeProc({ 40: ['bird', ...BIRD.args, '-R'] }))).toBe(40);
    expect(findDaemonPid(BIRD, fakeProc({ 40: ['bird', ...BIRD.args, '-R'] }))).toBeUndefined();
  });

  it('takes the lowest pid when two match', () => {
    expect(findDaemonPid(BIRD, fakeProc({ 31: ['bird', ...BIRD.args], 30: ['bird', ...BIRD.args] }))).toBe(30);
  });
});

describe('sameCommandLine', () => {
  it('compares the program by basename and every argument exactly', () => {
    expect(sameCommandLine(['/usr/bin/gobgpd', '-f', 'x.toml'], { command: 'gobgpd', args: ['-f', 'x.toml'] })).toBe(true);
    expect(sameCommandLine(['gobgpd', '-f', 'y.toml'], { command: 'gobgpd', args: ['-f', 'x.toml'] })).toBe(false);
    expect(sameCommandLine(['setpriv', 'gobgpd', '-f', 'x.toml'], { command: 'gobgpd', args: ['-f', 'x.toml'] })).toBe(false);
    expect(sameCommandLine([], { command: 'gobgpd', args: [] })).toBe(false);
  });
});
