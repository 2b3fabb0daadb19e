// The router-restart bench's lab in host network namespaces: one router
// (BIRD, run and restarted by the agent's own supervisor, as the router role
// does), the site's reflectors (gobgpd) and two L4 nodes' gobgpd speakers
// announcing one VIP, on one bridge (test/daemons/ecmp-netns.ts). Each
// behaviour (`old`: the files without graceful restart and no `-R`; `new`:
// as rendered) gets a lab of its own.
import { execa, type ResultPromise } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BACKOFF } from '../../agent/supervise/backoff.js';
import { Supervisor } from '../../agent/supervise/supervisor.js';
import { systemClock } from '../../agent/ports/clock.js';
import { familyOf, nodesWithRole, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { BIRD_BFD_FILE, birdSpec, gobgpAnnounceArgs, gobgpdSpec, GOBGP_API_PORT, renderEcmp } from '../../tiers/ecmp/index.js';
import { waitFor } from '../../test/helpers/agent.js';
import { NetnsLab } from '../../test/daemons/ecmp-netns.js';
import { hopsOfJson } from './outage.js';
import { oldBirdConf, oldGobgpdToml } from './old-config.js';

export type Behaviour = 'old' | 'new';

export interface RouterLab {
  readonly vip: IpAddress;
  readonly router: SiteNode;
  readonly reflectors: readonly SiteNode[];
  /** The router's network namespace. */
  readonly netns: string;
  /** The VIP's next hops in the router's kernel now (0: no route). */
  hops(): Promise<number>;
  birdPid(): number | undefined;
  /** `birdc show status` says a graceful-restart recovery runs; undefined when BIRD does not answer. */
  recovering(): Promise<boolean | undefined>;
  /** Every BGP session of the router established, by `birdc show protocols`. */
  sessionsUp(): Promise<boolean>;
  stopReflector(name: string): Promise<void>;
  startReflector(name: string): void;
  stop(): Promise<void>;
}

interface Placed {
  readonly router: SiteNode;
  readonly reflectors: readonly SiteNode[];
  readonly speakers: readonly [SiteNode, SiteNode];
}

function placeNodes(site: Site): Placed {
  const [router] = nodesWithRole(site, 'router');
  const reflectors = nodesWithRole(site, 'reflector');
  const [a, b] = nodesWithRole(site, 'l4').filter((n) => n.addresses.ipv4 !== undefined);
  if (!router || reflectors.length === 0 || !a || !b) throw new Error(`expected a site with a router, reflectors and two L4 nodes with IPv4 addresses (${site.name})`);
  return { router, reflectors, speakers: [a, b] };
}

export async function startRouterLab(site: Site, vip: IpAddress, behaviour: Behaviour, dir: string, say: (line: string) => void): Promise<RouterLab> {
  if (familyOf(vip) !== 'ipv4') throw new Error(`expected an IPv4 VIP, got ${vip}`);
  const nodes = placeNodes(site);
  const lab = new NetnsLab();
  const reflectorDaemons = new Map<string, ResultPromise>();
  // Every kill is a first death: the supervisor's back-off would otherwise
  // double the restart delay for a BIRD killed again within 30 s.
  const firstDeath = { initialMs: DEFAULT_BACKOFF.initialMs, maxMs: DEFAULT_BACKOFF.initialMs, resetAfterMs: 0 };
  const supervisor = new Supervisor(systemClock, (e) => { if (e.kind === 'exited' || e.kind === 'started') say(`bird ${e.kind}${e.kind === 'started' ? ` (pid ${e.pid})` : ''}`); }, firstDeath);
  const speakers: ResultPromise[] = [];
  const stop = async (): Promise<void> => {
    await supervisor.stopAll();
    for (const d of [...speakers, ...reflectorDaemons.values()]) d.kill('SIGTERM');
    await Promise.all([...speakers, ...reflectorDaemons.values()]);
    await lab.stop();
  };
  const files = async (node: SiteNode): Promise<Map<string, string>> => {
    const d = join(dir, node.name);
    await mkdir(d, { recursive: true });
    const out = new Map<string, string>();
    for (const f of renderEcmp(site, node).files) {
      const text = behaviour === 'new' || f.name === BIRD_BFD_FILE ? f.content : f.name === 'bird.conf' ? oldBirdConf(f.content).text : oldGobgpdToml(f.content).text;
      out.set(f.name, join(d, f.name));
      await writeFile(join(d, f.name), text);
    }
    return out;
  };
  const socket = join(dir, nodes.router.name, 'bird.ctl');
  const birdc = (args: readonly string[]) => execa('birdc', ['-s', socket, ...args], { reject: false, timeout: 5000 });
  const startReflector = (name: string, config: string): void => {
    const rr = nodes.reflectors.find((n) => n.name === name);
    if (!rr) throw new Error(`no reflector ${name}`);
    const spec = gobgpdSpec(rr, { configFile: config, apiHost: '127.0.0.1', apiPort: GOBGP_API_PORT });
    reflectorDaemons.set(name, execa('ip', ['netns', 'exec', lab.ns(name), spec.command, ...spec.args], { reject: false, all: true }));
  };
  const reflectorConfigs = new Map<string, string>();
  try {
    await lab.start([nodes.router, ...nodes.reflectors, ...nodes.speakers]);
    for (const rr of nodes.reflectors) {
      const config = (await files(rr)).get('gobgpd.toml') ?? '';
      reflectorConfigs.set(rr.name, config);
      startReflector(rr.name, config);
    }
    for (const l4 of nodes.speakers) {
      const rendered = await files(l4);
      const config = rendered.get('gobgpd.toml') ?? '';
      speakers.push(execa('ip', ['netns', 'exec', lab.ns(l4.name), 'gobgpd', '-f', config, '--api-hosts', `127.0.0.1:${GOBGP_API_PORT}`, '--pprof-disable'], { reject: false, all: true }));
      // The BFD-only BIRD the L4 agent runs beside gobgpd: the router resolves this node's next hop only while it answers.
      const bfd = rendered.get(BIRD_BFD_FILE);
      if (bfd !== undefined) {
        const base = join(dir, l4.name, 'bird-bfd');
        speakers.push(execa('ip', ['netns', 'exec', lab.ns(l4.name), 'bird', '-f', '-c', bfd, '-s', `${base}.ctl`, '-P', `${base}.pid`], { reject: false, all: true }));
      }
    }
    const birdConf = (await files(nodes.router)).get('bird.conf') ?? '';
    for (const op of renderEcmp(site, nodes.router).netOps) if (op.kind === 'sysctl') await lab.exec(nodes.router.name, 'sysctl', ['-qw', `${op.key}=${op.value}`]);
    const spec = birdSpec(nodes.router, { configFile: birdConf, socket, pidFile: join(dir, nodes.router.name, 'bird.pid') });
    const inNs = (args: readonly string[]): string[] => ['netns', 'exec', lab.ns(nodes.router.name), spec.command, ...args];
    const restartArgs = behaviour === 'new' ? spec.restartArgs : undefined;
    supervisor.start({ name: 'bird', command: 'ip', args: inNs(spec.args), ...(restartArgs ? { restartArgs: inNs(restartArgs) } : {}) });
    for (const l4 of nodes.speakers) {
      await waitFor(`${l4.name} speaker API`, async () => ((await lab.exec(l4.name, 'gobgp', ['global'])).exitCode === 0 ? true : undefined), 20000, 100);
      const args = gobgpAnnounceArgs(site, l4, vip, { gracefulShutdown: false });
      if (!args || (await lab.exec(l4.name, 'gobgp', args)).exitCode !== 0) throw new Error(`${l4.name} could not announce ${vip}`);
    }
    const hops = async (): Promise<number> => hopsOfJson((await lab.exec(nodes.router.name, 'ip', ['-j', 'route', 'show', vip])).stdout);
    const sessionsUp = async (): Promise<boolean> => {
      const r = await birdc(['show', 'protocols']);
      const bgp = r.stdout.split('\n').filter((l) => /\sBGP\s/.test(l));
      return r.exitCode === 0 && bgp.length > 0 && bgp.every((l) => /\bEstablished\b/.test(l));
    };
    await waitFor('every router session up and the VIP through both L4 nodes', async () => ((await sessionsUp()) && (await hops()) === 2 ? true : undefined), 60000, 250);
    return {
      vip, router: nodes.router, reflectors: nodes.reflectors, netns: lab.ns(nodes.router.name), hops, sessionsUp,
      birdPid: () => supervisor.pid('bird'),
      async recovering() {
        const r = await birdc(['show', 'status']);
        if (r.exitCode !== 0 || !r.stdout.includes('BIRD')) return undefined;
        return r.stdout.includes('Graceful restart recovery in progress');
      },
      async stopReflector(name) {
        const d = reflectorDaemons.get(name);
        d?.kill('SIGTERM');
        await d;
        reflectorDaemons.delete(name);
      },
      startReflector: (name) => startReflector(name, reflectorConfigs.get(name) ?? ''),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
