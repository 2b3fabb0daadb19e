// The tierlb command line as a function: argv in, exit code out, every byte
// of output through `io`. cli/main.ts wires it to the process; tests and the
// fuzzer run it in-process, through exactly the code a person's call takes.
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { agentCommand } from './agent.js';
import { DEFAULT_SITE, explainCommand } from './explain.js';
import { addFleetCommands } from './fleet-commands.js';
import { processFleetDeps, type FleetDeps } from './fleet-open.js';
import { planCommand } from './plan.js';
import { renderCommand } from './render.js';
import { statusCommand } from './status.js';
import { statusSiteCommand } from './status-site.js';
import { validateCommand } from './validate.js';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** What the commands reach beyond files; tests pass an in-memory fleet store and a fixed clock. */
export interface CliDeps {
  readonly fleet?: Partial<FleetDeps>;
}

/**
 * Exit codes: 0 done, 1 the site file is invalid (or the agent could not
 * start on it), 2 usage or I/O (a bad option, a file that cannot be read or
 * written, an agent or etcd that cannot be reached), 3 a check asked for
 * failed (`plan --max-moved`), 4 a change of the fleet state refused by a
 * safety limit (`depool`, `drain` without --force). 70 is left for a bug: an
 * error nobody anticipated, printed with its stack so it can be reported.
 */
export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  try {
    await program(io, { ...processFleetDeps, ...deps.fleet }).parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.err(`tierlb: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`tierlb: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 70;
  }
}

function program(io: CliIo, fleet: FleetDeps): Command {
  const cmd = new Command('tierlb')
    .description('three-tier edge load balancer: BGP/ECMP -> IPVS Maglev -> HAProxy, plus gdnsd')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  cmd
    .command('validate')
    .argument('[file]', 'site file (YAML)', DEFAULT_SITE)
    .description('check a site file as a whole; list every error with its field path and line')
    .action(async (file: string) => {
      await validateCommand(file, (l) => io.out(`${l}\n`));
    });
  cmd
    .command('render')
    .argument('<file>', 'site file (YAML)')
    .requiredOption('--node <name>', 'node whose files to render')
    .option('--out <dir>', 'write the files under this folder instead of printing them')
    .description('print (or write) every file and kernel operation the node\'s agent would install')
    .action(async (file: string, opts: { node: string; out?: string }) => {
      await renderCommand(file, opts, io.out);
    });
  cmd
    .command('agent')
    .option('--config <file>', 'site file (YAML); watched, re-read on change and on SIGHUP', DEFAULT_SITE)
    .requiredOption('--node <name>', 'this node\'s name in the site file; its role decides what runs')
    .option('--disable-file <path>', 'override the node\'s disable file')
    .option('--agent-check-file <path>', 'override the node\'s agent-check file')
    .option('--run-dir <dir>', 'override the folder for sockets and pid files')
    .option('--state-dir <dir>', 'override the folder for daemon state')
    .option('--config-dir <dir>', 'override the folder where rendered configs are installed')
    .option('--listen <address:port>', 'override the status and metrics endpoint')
    .description('run this node\'s role until SIGTERM (planned stop: drain, withdraw, stop daemons)')
    .action(async (opts: Parameters<typeof agentCommand>[0]) => {
      await agentCommand(opts);
    });
  cmd
    .command('status')
    .option('--config <file>', 'site file, to find the node\'s status endpoint')
    .option('--node <name>', 'node whose agent to ask')
    .option('--url <url>', 'status endpoint of the agent, e.g. http://127.0.0.1:9400')
    .option('--json', 'print the raw status report')
    .option('--peers <urls>', 'L4 nodes: other L4 nodes\' status endpoints, URL,URL; flags services whose Maglev tables differ, with the slots that differ')
    .option('--site', 'with --config: every node\'s agent, one view per VIP from the routers\' next hops down to the backends')
    .description('desired versus actual, per service and per real server, from a running agent')
    .addHelpText('after', '\nExit codes with --site: 0 every promise holds; 1 a promise is broken (a VIP with no next hop on any router read,\nor L4 nodes announcing a VIP with different Maglev tables), or the site file is invalid; 2 bad arguments or an\nunreadable site file; 3 nothing broken, but some node\'s report could not be read (its cells are unknown).\n')
    .action(async (opts: Parameters<typeof statusCommand>[0] & { site?: boolean }) => {
      if (opts.site) await statusSiteCommand(opts, io.out);
      else await statusCommand(opts, io.out);
    });
  cmd
    .command('explain')
    .argument('<src>', 'client address, with its port (IPV4:PORT or [IPV6]:PORT) when the service hashes ports (mh-port)')
    .argument('<vip:port>', 'a VIP of the site and one of its service ports')
    .option('--site <file>', 'site file (YAML)', DEFAULT_SITE)
    .option('--node <name>', 'L4 node whose table to use (they all build the same one); the first by default')
    .description('the L7 node the Maglev table sends a flow to, and where it goes if that node is drained')
    .action(async (src: string, vip: string, opts: { site?: string; node?: string }) => {
      await explainCommand(src, vip, opts, io.out);
    });
  cmd
    .command('plan')
    .argument('<old>', 'the site file the L4 nodes run now (YAML)')
    .argument('<new>', 'the edited site file (YAML)')
    .option('--max-moved <percent>', 'exit 3 when an edit moves more than this share of a Maglev table\'s slots')
    .description('per service, VIP family and port: the L7 nodes an edit adds, removes or reweights, and the share of Maglev slots that change L7 node on the L4 nodes')
    .addHelpText('after', '\nExit codes: 0 done; 1 a site file is invalid (its errors listed); 2 bad arguments or an unreadable file;\n3 some table moves more than --max-moved percent of its slots.\n')
    .action(async (oldFile: string, newFile: string, opts: { maxMoved?: string }) => {
      await planCommand(oldFile, newFile, opts, io.out);
    });
  addFleetCommands(cmd, io, fleet);
  return cmd;
}
