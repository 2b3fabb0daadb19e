// `tierlb agent`: runs one node's role until SIGTERM or SIGINT (planned stop:
// drain, withdraw, stop daemons); SIGHUP re-reads the site file.
import { AgentStartError, startAgent } from '../agent/runtime.js';
import { AgentOptionError, overridesOf, type AgentOptions } from '../agent/options.js';
import { checkOverrides } from '../site/index.js';
import { CliError } from './errors.js';

export async function agentCommand(opts: AgentOptions): Promise<void> {
  checkOptions(opts);
  let agent;
  try {
    agent = await startAgent(opts);
  } catch (err) {
    if (err instanceof AgentStartError) throw new CliError(err.message, 1, { cause: err });
    throw err;
  }
  const running = agent;
  process.on('SIGHUP', () => void running.reloadSite());
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void running.stop().finally(done);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

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
