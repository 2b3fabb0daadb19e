// The tierlb command line as the lab's agents run it: cli/main.ts without its
// top-level await, so that it bundles as a CommonJS script, which
// lab/cached-run.mjs compiles from a V8 code cache (lab/bundle.ts).
import { finish } from '../cli/finish.js';
import { runCli } from '../cli/run.js';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`tierlb: cannot write the output: ${err.message}\n`);
  process.exit(2);
});

void runCli(process.argv, {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
}).then(finish);
