// The fleet state's verbs on the command line: pool, depool, drain and
// history, registered on the program that cli/run.ts builds.
import type { Command } from 'commander';
import { DEFAULT_HISTORY, historyCommand, type HistoryOptions } from './history.js';
import { DEFAULT_SITE } from './explain.js';
import type { FleetDeps } from './fleet-open.js';
import { poolCommand, type PoolOptions, type PoolVerb } from './pool.js';

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const EXIT_CODES = '\nExit codes: 0 done; 1 the site file is invalid; 2 bad arguments, an unreadable file, a site without etcd:,\nor etcd cannot be reached; 4 refused by a safety limit of etcd.limits (--force passes it and records so).\n';

const ABOUT: Record<PoolVerb, string> = {
  depool: 'take an L4 node, an L7 node or a server out of traffic, for every agent of the site, through etcd',
  drain: 'stop new traffic to an L4 node, an L7 node or a server and keep the connections it has (an L4 node withdraws as with depool)',
  pool: 'put an L4 node, an L7 node or a server back in traffic, or set the share of its configured weight it takes',
};

export function addFleetCommands(cmd: Command, io: Io, deps: FleetDeps): void {
  for (const verb of ['depool', 'drain', 'pool'] as const) {
    const sub = cmd
      .command(verb)
      .argument('<name>', 'an L4 node, an L7 node, a backend node (every server it runs) or a pool server')
      .option('--config <file>', 'site file with an etcd: section', DEFAULT_SITE)
      .option('--who <who>', 'who makes the change; default $SUDO_USER or the login name, @ this host');
    if (verb === 'pool') {
      sub.option('--reason <text>', 'why, kept in the record and the history');
      sub.option('--weight <percent>', 'L7 nodes and servers: this share of the configured weight, 1% to 100%');
    } else {
      sub.requiredOption('--reason <text>', 'why, kept in the record and the history (printable ASCII, up to 120 characters)');
      sub.option('--ttl <duration>', 'the change stops counting after this long (20s, 30m, 2h; at most 24h), as if pooled again');
      sub.option('--force', 'do it even past a safety limit; the record says which');
    }
    sub
      .option('--json', 'print the outcome as JSON')
      .description(ABOUT[verb])
      .addHelpText('after', EXIT_CODES)
      .action(async (name: string, opts: PoolOptions) => {
        await poolCommand(verb, name, opts, deps, io);
      });
  }
  cmd
    .command('history')
    .argument('[name]', 'only the changes of this node or server')
    .option('--config <file>', 'site file with an etcd: section', DEFAULT_SITE)
    .option('--limit <n>', `the newest N changes (default ${DEFAULT_HISTORY})`)
    .option('--json', 'print the changes as JSON')
    .description('the audit trail of pool, depool and drain in etcd, oldest first: when, what, from and to, who, why, until when')
    .action(async (name: string | undefined, opts: HistoryOptions) => {
      await historyCommand(name, opts, deps, io);
    });
}
