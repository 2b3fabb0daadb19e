import { describe, expect, it } from 'vitest';
import { hostInit } from './init.js';

describe('the init of a lab on the host kernel', () => {
  const init = hostInit({ share: '/work/repo/.lab-runs/1', repo: '/work/repo', modules: ['ip_vs', 'ipip'] });

  it('keeps the checkout writable and makes the root, /etc and /var/lib read-only to the lab', () => {
    expect(init).toContain("mount --bind '/work/repo' '/work/repo'");
    // The run folder is in the checkout: no bind of its own.
    expect(init).not.toContain("mount --bind '/work/repo/.lab-runs/1'");
    expect(init.indexOf("mount --bind '/work/repo'")).toBeLessThan(init.indexOf('mount -o remount,bind,ro /'));
    expect(init).toContain('for d in /etc /var/lib; do mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"');
  });

  it('gives the lab its own /run before any other mount, so mount(8) writes nothing in the host\'s, and its own /tmp', () => {
    expect(init.indexOf('mount -n -t tmpfs lab-run /run')).toBeLessThan(init.indexOf('mount --bind'));
    expect(init).toContain('mount -t tmpfs tmp /tmp');
  });

  it('counts the lab\'s time from its own start', () => {
    expect(init).toMatch(/^export TIERLB_LAB_T0=/m);
  });

  it('binds a checkout under /tmp again over the lab\'s own /tmp, from the old one', () => {
    const s = hostInit({ share: '/var/tmp/run', repo: '/tmp/ci/repo', modules: [] });
    expect(s.indexOf('exec 5</tmp')).toBeLessThan(s.indexOf('mount -t tmpfs tmp /tmp'));
    expect(s).toContain("mkdir -p '/tmp/ci/repo' && mount --no-canonicalize --bind '/proc/self/fd/5/ci/repo' '/tmp/ci/repo'");
    expect(s).toContain("mount --bind '/var/tmp/run' '/var/tmp/run'");
  });

  it('loads the lab\'s modules where they are modules, and runs the script with the terminal on descriptors 3 and 4', () => {
    expect(init).toContain('for m in ip_vs ipip; do modprobe -q "$m" 2>/dev/null || true; done');
    expect(init).toContain(') 3<&0 4>&1 > "$SHARE/.output" 2>&1');
  });
});
