// The BGP chain in host network namespaces, for one speaker: the site's
// routers (BIRD) and reflectors (gobgpd) with the files the agent renders for
// them, the measured L4 node and a second L4 node that keeps announcing the
// VIP (so a graceful shutdown or an announce changes the routers' ECMP
// route), each L4 speaker run by the agent's own code (speaker-node.ts). One
// bridge joins them; nothing leaves the namespaces (test/daemons/ecmp-netns.ts).
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { allVips, familyOf, nodesWithRole, overrideNode, type IpAddress, type Site, type SiteNode } from '../../site/index.js';
import { bgpPaths, birdSpec, gobgpdSpec, GOBGP_API_PORT, renderEcmp } from '../../tiers/ecmp/index.js';
import { waitFor } from '../../test/helpers/agent.js';
import { NetnsLab } from '../../test/daemons/ecmp-netns.js';
import { watchReflectors, watchRoutes, type ReflectorWatch, type RouteWatch } from './monitors.js';
import { establishedNeighbors, routeHops } from './reached.js';
import { startSpeakerNode, type SpeakerNode } from './speaker-client.js';

export interface Chain {
  readonly vip: IpAddress;
  readonly routers: readonly string[];
  /** The measured L4 node and the one that keeps announcing, by IPv4 address. */
  readonly speakerAddress: string;
  readonly steadyAddress: string;
  readonly speaker: SpeakerNode;
  readonly routes: RouteWatch;
  readonly reflectors: ReflectorWatch;
  /** Each router's next hops to the VIP as `ip route show` prints them now. */
  kernelHops(): Promise<Map<string, string[]>>;
  stop(): Promise<void>;
}

export interface ChainNodes {
  readonly routers: readonly SiteNode[];
  readonly reflectors: readonly SiteNode[];
  readonly speaker: SiteNode;
  readonly steady: SiteNode;
}

/** The site's routers and reflectors, and its first two L4 nodes with an IPv4 address; every path under `dir`. */
export function chainNodes(site: Site, dir: string): { site: Site; nodes: ChainNodes } {
  const l4 = nodesWithRole(site, 'l4').filter((n) => n.addresses.ipv4 !== undefined);
  const [speaker, steady] = l4;
  const routers = nodesWithRole(site, 'router');
  const reflectors = nodesWithRole(site, 'reflector');
  if (speaker === undefined || steady === undefined || routers.length === 0 || reflectors.length === 0) {
    throw new Error(`expected a site with routers, reflectors and two L4 nodes with IPv4 addresses, got ${routers.length} routers, ${reflectors.length} reflectors, ${l4.length} such L4 nodes`);
  }
  let placed = site;
  for (const n of [...routers, ...reflectors, speaker, steady]) {
    const d = join(dir, n.name);
    const o = overrideNode(placed, n.name, { configDir: d, runDir: d, stateDir: d });
    if (!o.ok) throw new Error(o.reason);
    placed = o.value;
  }
  const again = (n: SiteNode): SiteNode => placed.nodes.find((x) => x.name === n.name) ?? n;
  return { site: placed, nodes: { routers: routers.map(again), reflectors: reflectors.map(again), speaker: again(speaker), steady: again(steady) } };
}

/** The first IPv4 VIP of the site: the one the speakers announce. */
export function chainVip(site: Site): IpAddress {
  const vip = allVips(site).find((v) => familyOf(v) === 'ipv4');
  if (vip === undefined) throw new Error(`expected an IPv4 VIP in site ${site.name}`);
  return vip;
}

async function writeFiles(site: Site, node: SiteNode): Promise<void> {
  await mkdir(node.agent.runDir, { recursive: true });
  for (const f of renderEcmp(site, node).files) {
    const path = join(node.agent.configDir, f.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content);
  }
}

const netnsOf = (lab: NetnsLab, n: SiteNode): { name: string; netns: string } => ({ name: n.name, netns: lab.ns(n.name) });

/** Routers and reflectors, as the agent would run them; dying with this process (SIGKILL) if it dies. */
async function startFabric(lab: NetnsLab, site: Site, nodes: ChainNodes): Promise<void> {
  for (const n of [...nodes.reflectors, ...nodes.routers]) {
    await writeFiles(site, n);
    const paths = bgpPaths(n);
    const spec = n.role === 'router'
      ? birdSpec(n, { configFile: paths.birdConfig, socket: paths.birdSocket, pidFile: paths.birdPidFile })
      : gobgpdSpec(n, { configFile: paths.gobgpdConfig, apiHost: '127.0.0.1', apiPort: GOBGP_API_PORT });
    if (n.role === 'router') {
      for (const op of renderEcmp(site, n).netOps) if (op.kind === 'sysctl') await lab.exec(n.name, 'sysctl', ['-qw', `${op.key}=${op.value}`]);
    }
    lab.spawn(n.name, 'setpriv', ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]);
  }
  await waitFor('every reflector\'s gobgpd API', async () => {
    const up = await Promise.all(nodes.reflectors.map(async (rr) => (await lab.exec(rr.name, 'gobgp', ['global'])).exitCode === 0));
    return up.every(Boolean) ? true : undefined;
  }, 20000, 100);
}

/** Every reflector has each started node as an established neighbor, in each family the node has. */
async function sessionsUp(lab: NetnsLab, nodes: ChainNodes): Promise<string | undefined> {
  const peers = [...nodes.routers, nodes.speaker, nodes.steady].flatMap((n) => [n.addresses.ipv4, n.addresses.ipv6].filter((a): a is IpAddress => a !== undefined));
  const missing: string[] = [];
  for (const rr of nodes.reflectors) {
    const up = establishedNeighbors((await lab.exec(rr.name, 'gobgp', ['neighbor'])).stdout);
    missing.push(...peers.filter((p) => !up.has(p)).map((p) => `${rr.name}↔${p}`));
  }
  return missing.length === 0 ? undefined : missing.join(', ');
}

export interface ChainOptions {
  readonly site: Site;
  readonly siteFile: string;
  readonly dir: string;
  readonly say: (line: string) => void;
  /** Given the chain's stop before anything is made, so an interrupt mid-way can undo what was. */
  readonly onStop: (stop: () => Promise<void>) => void;
}

export async function startChain(opts: ChainOptions): Promise<Chain> {
  const { site, nodes } = chainNodes(opts.site, opts.dir);
  const vip = chainVip(site);
  const lab = new NetnsLab();
  const started: { routes?: RouteWatch; reflectors?: ReflectorWatch; speakers: SpeakerNode[] } = { speakers: [] };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    // The speakers first, then the fabric, as a planned stop goes.
    await Promise.allSettled(started.speakers.map((s) => s.stop()));
    started.routes?.stop();
    started.reflectors?.stop();
    await lab.stop();
  })());
  opts.onStop(stop);
  try {
    await lab.start([...nodes.routers, ...nodes.reflectors, nodes.speaker, nodes.steady]);
    await startFabric(lab, site, nodes);
    started.routes = watchRoutes(nodes.routers.map((n) => netnsOf(lab, n)));
    started.reflectors = watchReflectors(nodes.reflectors.map((n) => lab.ns(n.name)));
    const [speaker, steady] = [nodes.speaker, nodes.steady].map((n) => {
      const s = startSpeakerNode({ netns: lab.ns(n.name), site: opts.siteFile, node: n.name, dir: n.agent.configDir, say: opts.say });
      started.speakers.push(s);
      return s;
    }) as [SpeakerNode, SpeakerNode];
    const kernelHops = async (): Promise<Map<string, string[]>> => new Map(await Promise.all(nodes.routers.map(async (rt) => [rt.name, routeHops((await lab.exec(rt.name, 'ip', ['route', 'show', vip])).stdout)] as const)));
    // A speaker just started answers once its daemon listens: the agent retries the same way.
    for (const s of [speaker, steady]) {
      await waitFor('a speaker taking its first announce', async () => ((await s.set([{ vip, gracefulShutdown: false }])).error === undefined ? true : undefined), 30000, 200);
    }
    const both = [nodes.speaker.addresses.ipv4, nodes.steady.addresses.ipv4].sort().join(' ');
    let why = '';
    await waitFor('every BGP session up and every router routing the VIP through both L4 nodes', async () => {
      why = (await sessionsUp(lab, nodes)) ?? '';
      const hops = [...(await kernelHops()).values()];
      if (why === '' && hops.some((h) => h.join(' ') !== both)) why = `routes: ${hops.map((h) => h.join('+') || 'none').join(', ')}`;
      return why === '' ? true : undefined;
    }, 60000, 250).catch((e: unknown) => { throw new Error(`${(e as Error).message}: ${why}`); });
    return {
      vip, routers: nodes.routers.map((n) => n.name),
      speakerAddress: nodes.speaker.addresses.ipv4 ?? '', steadyAddress: nodes.steady.addresses.ipv4 ?? '',
      speaker, routes: started.routes, reflectors: started.reflectors, kernelHops, stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** bird and gobgpd as packaged here, for the report. */
export async function daemonVersions(): Promise<string> {
  const bird = await execa('bird', ['--version'], { reject: false, all: true });
  const gobgpd = await execa('gobgpd', ['--version'], { reject: false, all: true });
  return `${(bird.all ?? '').trim()}, ${(gobgpd.all ?? '').trim()}`;
}
