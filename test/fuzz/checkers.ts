// The daemons' own checkers, shared by every case of a run: each distinct set
// of files is checked once (cached by a hash of its content, so the many
// cases that render the same bird.conf cost one `bird -p`), at most
// `concurrency` checkers run at a time, and each one is bounded in time.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { checkerCommand } from '../../agent/install/checkers.js';
import type { Daemon, RenderedFile } from '../../tiers/common/files.js';

export interface CheckOutcome {
  readonly ok: boolean;
  /** The command and what it printed, when it refused or could not run. */
  readonly output: string;
}

export interface CheckerStats {
  /** Checker processes run. */
  readonly runs: number;
  /** Checks answered from the cache. */
  readonly cached: number;
}

export class CheckerPool {
  private readonly cache = new Map<string, Promise<CheckOutcome>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private runs = 0;
  private cached = 0;

  constructor(private readonly opts: { readonly dir: string; readonly concurrency: number; readonly timeoutMs: number }) {}

  get stats(): CheckerStats {
    return { runs: this.runs, cached: this.cached };
  }

  /** `files` are the rendered files of one daemon of one node, named as in the node's config folder. */
  check(daemon: Daemon, files: readonly RenderedFile[]): Promise<CheckOutcome> {
    const hash = createHash('sha256').update(daemon);
    for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) hash.update(`\0${f.name}\0${f.content}`);
    const key = hash.digest('hex');
    const known = this.cache.get(key);
    if (known) {
      this.cached += 1;
      return known;
    }
    const outcome = this.slot(() => this.run(daemon, files));
    this.cache.set(key, outcome);
    return outcome;
  }

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= this.opts.concurrency) await new Promise<void>((go) => this.waiting.push(go));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private async run(daemon: Daemon, files: readonly RenderedFile[]): Promise<CheckOutcome> {
    const dir = await mkdtemp(join(this.opts.dir, `${daemon}-`));
    try {
      for (const f of files) {
        await mkdir(dirname(join(dir, f.name)), { recursive: true });
        await writeFile(join(dir, f.name), f.content);
      }
      const command = checkerCommand(daemon, dir);
      if (!command) return { ok: true, output: '' };
      // Without -q: a refusal is reported with the checker's own words.
      const [cmd, args] = [command[0], command[1].filter((a) => a !== '-q')];
      this.runs += 1;
      const r = await execa(cmd, args, { reject: false, all: true, timeout: this.opts.timeoutMs, killSignal: 'SIGKILL' });
      const said = `$ ${cmd} ${args.join(' ')}\n${r.all ?? ''}`;
      if (r.timedOut) return { ok: false, output: `${said}\n(timed out after ${this.opts.timeoutMs} ms)` };
      if (r.exitCode === undefined) return { ok: false, output: `${said}\n(could not run: ${r.shortMessage})` };
      return { ok: r.exitCode === 0, output: r.exitCode === 0 ? '' : said };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
