// A kernel that keeps links, addresses and sysctls and answers the `ip` and
// `sysctl` commands the net-ops driver runs, for unit tests of the driver
// and of the applier that owns its state.
import type { RunResult, Runner } from '../../tiers/common/runner.js';

interface FakeLink { kind: string; mode?: string; up: boolean; addresses: Set<string> }

/**
 * A kernel that keeps links, addresses and sysctls, answers the commands the
 * applier runs the way `ip` and `sysctl` do, and records as a violation every
 * command a correct applier never sends (a duplicate address, an existing
 * link added again, a missing address deleted, an unknown command).
 */
export class FakeKernel {
  readonly links = new Map<string, FakeLink>([['lo', { kind: '', up: true, addresses: new Set(['127.0.0.1/8', '::1/128']) }]]);
  readonly sysctls = new Map<string, string>([['net.ipv4.conf.all.rp_filter', '2'], ['net.ipv4.conf.all.arp_ignore', '0'], ['net.ipv4.conf.all.arp_announce', '0']]);
  readonly calls: string[] = [];
  readonly violations: string[] = [];

  constructor(private readonly kinds: readonly string[] = ['dummy']) {}

  readonly runner: Runner = async (cmd, args, opts) => {
    if (cmd === 'ip' && args.join(' ') === '-force -batch -') return this.batch(opts?.input ?? '');
    const line = [cmd, ...args].join(' ');
    this.calls.push(line);
    return cmd === 'sysctl' ? this.sysctl(args) : cmd === 'ip' ? this.ip(args.filter((a) => a !== '-6')) : this.violation(line);
  };

  /** `ip -force -batch -` as ip runs it: every line, each failure's message then `Command failed -:N`. */
  private batch(input: string): RunResult {
    const errors: string[] = [];
    input.split('\n').filter((l) => l !== '').forEach((line, i) => {
      if (line.split(' ').includes('-6')) return errors.push(`Object "-6" is unknown, try "ip help".`, `Command failed -:${i + 1}`);
      this.calls.push(`ip ${line}`);
      const r = this.ip(line.split(' '));
      if (r.exitCode !== 0) errors.push(r.stderr, `Command failed -:${i + 1}`);
      return undefined;
    });
    return reply(errors.length > 0 ? 1 : 0, '', errors.join('\n'));
  }

  /** The commands that changed something: everything but the reads. */
  writes(): string[] {
    return this.calls.filter((c) => c !== 'ip -d -j address show' && !c.startsWith('sysctl -n '));
  }

  private ip(args: readonly string[]): RunResult {
    const [a0, a1, a2, a3, a4, a5, a6] = args;
    if (args.join(' ') === '-d -j address show') return reply(0, JSON.stringify(this.listing()));
    if (a0 === 'link' && a1 === 'add' && a2 && a3 === 'type' && a4) return this.addLink(a2, a4, a5 === 'mode' ? a6 : undefined);
    if (a0 === 'link' && a1 === 'set' && a2 && a3 === 'up') return this.setUp(a2);
    if (a0 === 'address' && (a1 === 'add' || a1 === 'del') && a2 && a3 === 'dev' && a4) return this.address(a1, a2, a4);
    return this.violation(`ip ${args.join(' ')}`);
  }

  private listing(): unknown[] {
    return [...this.links].map(([ifname, l]) => ({
      ifname,
      flags: l.up ? ['UP', 'LOWER_UP'] : [],
      ...(l.kind ? { linkinfo: { info_kind: l.kind, ...(l.mode ? { info_data: { proto: l.mode } } : {}) } } : {}),
      addr_info: [...l.addresses].map((a) => ({ family: a.includes(':') ? 'inet6' : 'inet', local: a.split('/')[0], prefixlen: Number(a.split('/')[1]) })),
    }));
  }

  private addLink(name: string, kind: string, mode: string | undefined): RunResult {
    if (this.links.has(name)) return this.violation(`link add ${name}: exists`, 'RTNETLINK answers: File exists');
    if (!this.kinds.includes(kind)) return reply(2, '', 'Error: Unknown device type.');
    this.links.set(name, { kind, ...(mode ? { mode } : {}), up: false, addresses: new Set() });
    return reply(0);
  }

  private setUp(name: string): RunResult {
    const link = this.links.get(name);
    if (!link) return reply(1, '', `Cannot find device "${name}"`);
    link.up = true;
    return reply(0);
  }

  private address(verb: 'add' | 'del', address: string, device: string): RunResult {
    const link = this.links.get(device);
    if (!link) return reply(1, '', `Cannot find device "${device}"`);
    if (verb === 'add' && link.addresses.has(address)) return this.violation(`address add ${address} dev ${device}: present`, 'Error: ipv4: Address already assigned.');
    if (verb === 'del' && !link.addresses.has(address)) return this.violation(`address del ${address} dev ${device}: absent`, 'Error: ipv4: Address not found.');
    if (verb === 'add') link.addresses.add(address);
    else link.addresses.delete(address);
    return reply(0);
  }

  private sysctl(args: readonly string[]): RunResult {
    const [flag, arg = ''] = args;
    const key = flag === '-w' ? arg.split('=')[0] ?? '' : arg;
    const value = this.sysctls.get(key);
    if (value === undefined) return reply(255, '', `sysctl: cannot stat /proc/sys/${key.replaceAll('.', '/')}: No such file or directory`);
    if (flag === '-n') return reply(0, value);
    this.sysctls.set(key, arg.slice(key.length + 1));
    return reply(0, `${key} = ${arg.slice(key.length + 1)}`);
  }

  private violation(what: string, stderr = 'unexpected command'): RunResult {
    this.violations.push(what);
    return reply(2, '', stderr);
  }
}

export const reply = (exitCode: number, stdout = '', stderr = ''): RunResult => ({ exitCode, stdout, stderr });
