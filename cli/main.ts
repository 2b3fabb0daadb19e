#!/usr/bin/env node
// tierlb command line: wiring only; each command lives in its own file.
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { agentCommand } from './agent.js';
import { renderCommand } from './render.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';

function program(): Command {
  const cmd = new Command('tierlb')
    .description('three-tier edge load balancer: BGP/ECMP -> IPVS Maglev -> HAProxy, plus gdnsd')
    .exitOverride()
    .showHelpAfterError();
  cmd
    .command('validate')
    .argument('<file>', 'site file (YAML)')
    .description('check a site file as a whole; list every error with its field path and line')
    .action(async (file: string) => {
      await validateCommand(file, (l) => process.stdout.write(`${l}\n`));
    });
  cmd
    .command('render')
    .argument('<file>', 'site file (YAML)')
    .requiredOption('--node <name>', 'node whose files to render')
    .option('--out <dir>', 'write the files under this folder instead of printing them')
    .description('print (or write) every file and kernel operation the node\'s agent would install')
    .action(async (file: string, opts: { node: string; out?: string }) => {
      await renderCommand(file, opts, (t) => process.stdout.write(t));
    });
  cmd
    .command('agent')
    .requiredOption('--config <file>', 'site file (YAML); watched, re-read on change and on SIGHUP')
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
    .description('desired versus actual, per service and per real server, from a running agent')
    .action(async (opts: Parameters<typeof statusCommand>[0]) => {
      await statusCommand(opts, (t) => process.stdout.write(t));
    });
  return cmd;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`tierlb: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`tierlb: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv);
