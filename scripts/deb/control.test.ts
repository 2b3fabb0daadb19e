import { describe, expect, it } from 'vitest';
import { controlText, debianVersion, DEPENDS } from './control.js';

const input = {
  name: 'tierlb', version: '0.1.0', architecture: 'amd64', maintainer: 'Ops <ops@example.org>',
  description: 'Orchestrator for a three-tier edge load-balancing stack: BGP/ECMP -> IPVS Maglev (IPIP) -> HAProxy, plus gdnsd',
  shlibDepends: ['libc6 (>= 2.32)', 'libstdc++6 (>= 9)'], installedSizeKib: 19776,
};

describe('controlText', () => {
  it('names the package, its version, architecture and size', () => {
    const text = controlText(input);
    expect(text).toMatch(/^Package: tierlb\nVersion: 0\.1\.0\nArchitecture: amd64\nMaintainer: Ops <ops@example\.org>\nInstalled-Size: 19776\n/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('depends on the addon\'s libraries, Node.js 20 and the daemons of every role', () => {
    const depends = /^Depends: (.*)$/m.exec(controlText(input))?.[1]?.split(', ');
    expect(depends).toEqual(['libc6 (>= 2.32)', 'libstdc++6 (>= 9)', ...DEPENDS]);
    expect(depends).toEqual(expect.arrayContaining(['nodejs (>= 20)', 'haproxy', 'bird2', 'gobgpd', 'gdnsd', 'ipvsadm', 'iproute2']));
  });

  it('makes a synopsis under 80 characters without the final colon, and indents the extended description', () => {
    const text = controlText(input);
    expect(/^Description: (.*)$/m.exec(text)?.[1]).toBe('Orchestrator for a three-tier edge load-balancing stack');
    const extended = text.slice(text.indexOf('Description:')).split('\n').slice(1, -1);
    expect(extended[0]).toBe(' Orchestrates BGP/ECMP -> IPVS Maglev (IPIP) -> HAProxy, plus gdnsd.');
    expect(extended.every((l) => l.startsWith(' ') && l.length <= 80)).toBe(true);
  });

  it('refuses a maintainer without an address, an odd architecture and a name Debian does not take', () => {
    expect(() => controlText({ ...input, maintainer: 'ops' })).toThrow('maintainer: expected "Name <address>", got "ops"');
    expect(() => controlText({ ...input, architecture: 'x86 64' })).toThrow('architecture: expected a Debian architecture such as amd64, got "x86 64"');
    expect(() => controlText({ ...input, name: 'TierLB' })).toThrow(/^name: expected a Debian package name/);
    expect(() => controlText({ ...input, version: '1.0\nDepends: x' })).toThrow(/^version: expected a Debian native version/);
  });
});

describe('debianVersion', () => {
  it('keeps a release and puts a pre-release before it with a tilde', () => {
    expect(debianVersion('0.1.0')).toBe('0.1.0');
    expect(debianVersion('1.2.0-rc.1')).toBe('1.2.0~rc.1');
    expect(debianVersion('1.2.0+build.5')).toBe('1.2.0');
  });

  it('refuses what is not a semver version', () => {
    expect(() => debianVersion('latest')).toThrow('version: expected a semver version such as 1.2.3, got "latest"');
  });
});
