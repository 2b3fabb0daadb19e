#!/usr/bin/env node
// tierlb command line: wiring only; the commands live in cli/run.ts and one file per verb.
import { finish } from './finish.js';
import { runCli } from './run.js';

// `tierlb render … | head` closes the pipe early: the reader has what it
// wanted, so that is the end of the job, not an error (and never a stack trace).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`tierlb: cannot write the output: ${err.message}\n`);
  process.exit(2);
});

finish(await runCli(process.argv, {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
}));
