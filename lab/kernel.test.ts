import { describe, expect, it } from 'vitest';
import { chooseKernel, type KernelFeature } from './kernel.js';

const all: KernelFeature[] = [
  { name: 'IPVS', available: true, how: '/proc/net/ip_vs exists' },
  { name: 'IPIP', available: true, how: 'modprobe can load ipip' },
  { name: 'ip6ip6', available: true, how: 'an ip6ip6 link can be created' },
];
const noIpip = all.map((f) => (f.name === 'IPIP' ? { ...f, available: false, how: 'no /sys/module/ipip, no module ipip, no IPIP link' } : f));

describe('the lab kernel choice', () => {
  it('runs on the host by default where the kernel has IPVS, IPIP and ip6ip6, saying how each was found', () => {
    const c = chooseKernel(undefined, all);
    expect(c).toMatchObject({ ok: true, kernel: 'host' });
    expect(c.why).toBe('this kernel has IPVS (/proc/net/ip_vs exists), IPIP (modprobe can load ipip), ip6ip6 (an ip6ip6 link can be created)');
  });

  it('boots the user-mode-linux kernel by default when one feature is missing, naming it', () => {
    expect(chooseKernel(undefined, noIpip)).toEqual({ ok: true, kernel: 'uml', why: 'this kernel lacks IPIP (no /sys/module/ipip, no module ipip, no IPIP link)' });
  });

  it('refuses --kernel host on a kernel that lacks a feature', () => {
    expect(chooseKernel('host', noIpip)).toEqual({ ok: false, why: '--kernel host: this kernel lacks IPIP (no /sys/module/ipip, no module ipip, no IPIP link)' });
  });

  it('boots the user-mode-linux kernel when asked, even where the host could run the lab', () => {
    expect(chooseKernel('uml', all)).toEqual({ ok: true, kernel: 'uml', why: 'asked for' });
  });

  it('refuses an unknown kernel', () => {
    expect(chooseKernel('qemu', all)).toEqual({ ok: false, why: '--kernel: expected host or uml, got "qemu"' });
  });
});
