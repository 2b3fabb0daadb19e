// The real SpeakerPort: gobgpd or BIRD under the agent's supervisor. The
// speaker runs under `setpriv --pdeathsig TERM` (see tiers/ecmp/daemons.ts):
// if the agent dies, the speaker dies, its sessions drop and the routers
// withdraw this node's paths, because nobody would check the VIPs it
// announces any more.
//
// A new config is taken live: gobgpd re-reads its file on SIGHUP (it applies
// neighbor, peer-group and policy changes, resetting the sessions whose
// settings changed), BIRD on `configure` (its reply decides; it resets a
// session only where a protocol option cannot change in place). A switch of
// daemon (bgp.speaker) needs the agent restarted and is said so. Beside
// gobgpd runs a BFD-only BIRD (bfd-daemon.ts), configured first, stopped last.
import { readFile } from 'node:fs/promises';
import type { Site, SiteNode } from '../../../site/index.js';
import type { RenderedFile } from '../../../tiers/common/files.js';
import { BIRD_VIPS_FILE } from '../../../tiers/ecmp/bird-vips.js';
import { bgpPaths, birdSpec, gobgpdSpec, renderBirdVips, type Announcement, type SpeakerResult } from '../../../tiers/ecmp/index.js';
import { installDaemonFiles } from '../../apply/daemon-files.js';
import { birdConfigure, birdControl } from '../../drivers/bird/control.js';
import { birdSpeaker } from '../../drivers/bird/speaker.js';
import { apiAddress, GobgpApiConnection } from '../../drivers/gobgp/api-client.js';
import { gobgpQuickChange, type QuickChange } from '../../drivers/gobgp/quick.js';
import { gobgpSpeaker } from '../../drivers/gobgp/speaker.js';
import type { RoleDeps } from '../../role.js';
import { birdShow, parseBirdProtocols } from '../bgp-bird.js';
import { establishedSessions } from '../session-timers.js';
import { announcesMore } from './announce-order.js';
import { bfdDaemon } from './bfd-daemon.js';
import type { SpeakerDaemonName } from './plan.js';
import type { SpeakerConfigResult, SpeakerPort } from './speaker-port.js';

/** How long a BIRD the agent has just started may take to open its control socket (a loaded node takes seconds). */
const BIRD_SOCKET_WAIT_MS = 15_000;

export function speakerDaemon(deps: Pick<RoleDeps, 'log' | 'metrics' | 'supervisor' | 'clock'>): SpeakerPort {
  let running: SpeakerDaemonName | undefined;
  const bfd = bfdDaemon(deps);
  /** The agent's one connection to gobgpd's API, made when first needed, closed on stop. */
  let api: GobgpApiConnection | undefined;

  /** The connection to the gobgpd now running: a new pid (a restart) gets a fresh channel. */
  const gobgpApi = (node: SiteNode): GobgpApiConnection => {
    const address = bgpPaths(node).gobgpApi;
    if (api?.address !== apiAddress(address)) {
      api?.close();
      api = new GobgpApiConnection(address);
    }
    api.follow(deps.supervisor.pid('gobgpd'));
    return api;
  };

  const start = (node: SiteNode, daemon: SpeakerDaemonName): void => {
    const paths = bgpPaths(node);
    deps.supervisor.start(daemon === 'gobgpd'
      ? gobgpdSpec(node, { configFile: paths.gobgpdConfig, apiHost: paths.gobgpApi.host, apiPort: paths.gobgpApi.port })
      : birdSpec(node, { configFile: paths.birdConfig, socket: paths.birdSocket, pidFile: paths.birdPidFile }));
    running = daemon;
    // The API definitions take a while to parse on a slow node: while gobgpd starts, not at the first announce.
    if (daemon === 'gobgpd') {
      void gobgpApi(node).warm().then((r) => {
        if (!r.ok) deps.log.error({ err: r.error }, `gobgpd API: ${r.error}`);
      });
    }
  };

  /** The running daemon takes the installed files; undefined when it did. */
  const reload = async (node: SiteNode, daemon: SpeakerDaemonName): Promise<string | undefined> => {
    if (daemon === 'gobgpd') return deps.supervisor.signal('gobgpd', 'SIGHUP') ? undefined : 'gobgpd is not running';
    // BIRD's reply decides: it answers a refused file with an error code, where birdc would exit 0.
    const control = birdControl(bgpPaths(node).birdSocket);
    // A change can come right after the start (a turn the first health checks
    // kicked): a running BIRD without its socket yet is waited for, a while.
    const until = deps.clock.now() + BIRD_SOCKET_WAIT_MS;
    for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
      const opened = await control.command('show status', 2000);
      if (opened.ok || deps.supervisor.pid('bird') === undefined || deps.clock.now() >= until) break;
      await deps.clock.sleep(wait);
    }
    return birdConfigure(control);
  };

  return {
    async configure(site, node, plan): Promise<SpeakerConfigResult> {
      if (running !== undefined && running !== plan.daemon) {
        return { kind: 'restart-needed', detail: `bgp.speaker changed to ${site.bgp.speaker}: restart the agent to switch speakers; ${running} keeps running` };
      }
      await bfd.configure(node, plan.bfdFiles);
      const files = plan.daemon === 'bird' ? [...plan.files, await currentBirdVips(site, node)] : [...plan.files];
      const r = await installDaemonFiles(deps, node.agent.configDir, plan.daemon, files);
      if (r.kind === 'rejected') return { kind: 'refused', detail: `${plan.daemon} refused its config:\n${r.output}` };
      if (r.kind === 'unchecked') return { kind: 'unchecked', detail: `${plan.daemon}'s checker gave no verdict:\n${r.output}` };
      if (r.kind === 'failed') return { kind: 'refused', detail: `cannot install the ${plan.daemon} config in ${node.agent.configDir}: ${r.error.message}` };
      if (running === undefined) {
        start(node, plan.daemon);
        return { kind: 'started' };
      }
      if (r.kind === 'unchanged') return { kind: 'unchanged' };
      const refused = await reload(node, plan.daemon);
      deps.metrics.reloads.inc({ daemon: plan.daemon, result: refused === undefined ? 'ok' : 'failed' });
      if (refused !== undefined) return { kind: 'refused', detail: refused };
      return { kind: 'reloaded', note: `${plan.daemon} resets the BGP sessions whose settings (timers, addresses) changed` };
    },

    pid() {
      return running === undefined ? undefined : deps.supervisor.pid(running);
    },

    async established(node) {
      if (running !== 'bird') return undefined;
      const text = await birdShow(birdControl(bgpPaths(node).birdSocket), 'show protocols');
      return text === undefined ? undefined : establishedSessions(parseBirdProtocols(text));
    },

    async set(site, node, to, opts) {
      const paths = bgpPaths(node);
      if (running === 'bird') return birdSpeaker(site, node, { configDir: node.agent.configDir, socket: paths.birdSocket }).set(to);
      if (running !== 'gobgpd') return { ok: false, error: 'no BGP speaker running', changed: [] };
      // While the same gobgpd runs, it holds exactly what the agent gave it: moving traffic away needs only the changing commands.
      const connection = gobgpApi(node);
      const quick = gobgpQuickChange(site, node, connection);
      if (opts.again === true) return announceAgain(quick, opts.from ?? [], to);
      if (opts.from !== undefined && !announcesMore(opts.from, to)) return quick(opts.from, to);
      return gobgpSpeaker(site, node, connection).set(to);
    },

    async stop() {
      if (running !== undefined) await deps.supervisor.stop(running);
      // After the speaker: the VIPs are withdrawn, BFD down changes nothing at the routers.
      await bfd.stop();
      api?.close();
      api = undefined;
    },
  };
}

/** Withdraws what left the set, then announces every VIP of it again: an AddPath of a held prefix replaces its path. */
async function announceAgain(quick: QuickChange, from: readonly Announcement[], to: readonly Announcement[]): Promise<SpeakerResult> {
  const kept = new Set<string>(to.map((a) => a.vip));
  const gone = await quick(from.filter((a) => !kept.has(a.vip)), []);
  const all = await quick([], to);
  const changed = [...gone.changed, ...all.changed];
  const errors = [gone, all].flatMap((r) => (r.ok ? [] : [r.error]));
  return errors.length === 0 ? { ok: true, changed } : { ok: false, error: errors.join('; '), changed };
}

/**
 * bird-vips.conf as it is now: the checker needs the include beside bird.conf,
 * and a rendered (empty) one must not replace the set a running BIRD
 * announces. Absent, it is created empty: nothing is announced before the
 * agent has checked the L7 quorum.
 */
async function currentBirdVips(site: Site, node: SiteNode): Promise<RenderedFile> {
  const current = await readFile(bgpPaths(node).birdVips, 'utf8').catch(() => undefined);
  return { name: BIRD_VIPS_FILE, daemon: 'bird', content: current ?? renderBirdVips(site, node, [], { gracefulShutdown: false }) };
}
