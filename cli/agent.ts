// `tierlb agent`: runs one node's role until SIGTERM or SIGINT (planned stop:
// drain, withdraw, stop daemons); SIGHUP re-reads the site file.
import { AgentStartError, startAgent } from '../agent/runtime.js';
import { AgentOptionError, overridesOf, type AgentOptions } from '../agent/options.js';
import { systemdServiceManager } from '../agent/drivers/systemd/notify.js';
import { checkOverrides } from '../site/index.js';
import { CliError } from './errors.js';

export async function agentCommand(opts: AgentOptions): Promise<void> {
  checkOptions(opts);
  // Before anything is started: the daemons inherit the environment as it is then.
  const serviceManager = systemdServiceManager({ env: process.env });
  // A SIGTERM while the agent starts (a supervisor's stop or restart then) is
  // a planned stop too: held until the start is done, then the whole drain.
  // Without a handler yet, Node would die at once and leave its daemons
  // running with nothing drained; a SIGHUP would kill it the same way.
  let stopAsked = false;
  let reloadAsked = false;
  const askStop = (): void => { stopAsked = true; };
  const askReload = (): void => { reloadAsked = true; };
  process.on('SIGTERM', askStop);
  process.on('SIGINT', askStop);
  process.on('SIGHUP', askReload);
  let agent;
  try {
    agent = await startAgent(opts, undefined, serviceManager);
  } catch (err) {
    if (err instanceof AgentStartError) throw new CliError(err.message, 1, { cause: err });
    throw err;
  } finally {
    process.off('SIGTERM', askStop);
    process.off('SIGINT', askStop);
    process.off('SIGHUP', askReload);
  }
  const running = agent;
  process.on('SIGHUP', () => void running.reloadSite());
  if (reloadAsked && !stopAsked) void running.reloadSite();
  await new Promise<void>((done) => {
    // The handlers stay for the whole stop: with none, a second SIGTERM or a
    // second Ctrl-C would kill the agent mid-drain, its speaker with it, and
    // the routers would drop the node's paths with no graceful shutdown.
    // SIGKILL remains the way to end an agent at once.
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`tierlb agent: ${signal} ignored: the planned stop is under way (SIGKILL ends it at once)\n`);
        return;
      }
      stopping = true;
      void running.stop().finally(done);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    if (stopAsked) stop('SIGTERM');
  });
  exitSoonAfterStop();
}

/**
 * The stop is over once the daemons are stopped and the endpoint closed; a
 * handle still open then (a socket in its close, a child's pipe) must not
 * keep a stopped agent alive until a supervisor's SIGKILL. The timer is unref'd: it
 * fires only if something else still holds the process.
 */
function exitSoonAfterStop(): void {
  setTimeout(() => {
    process.stderr.write(`tierlb agent: stopped; exiting with ${process.getActiveResourcesInfo().join(', ') || 'nothing'} still open\n`);
    process.exit(process.exitCode ?? 0);
  }, AFTER_STOP_MS).unref();
}

const AFTER_STOP_MS = 2000;

/** A bad option is a usage error (exit 2), found before the site is read or anything starts. */
function checkOptions(opts: AgentOptions): void {
  try {
    const checked = checkOverrides(overridesOf(opts));
    if (!checked.ok) throw new CliError(`agent options: ${checked.reason}`, 2);
  } catch (err) {
    if (err instanceof AgentOptionError) throw new CliError(err.message, 2, { cause: err });
    throw err;
  }
}
