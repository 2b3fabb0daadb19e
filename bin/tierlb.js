#!/usr/bin/env node
// Entry point of the `tierlb` bin: runs the build in dist/ (made by
// `npm install` through the prepare script, or `npm run build`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('tierlb: not built yet; run `npm install` (or `npm run build`) in the checkout first\n');
  process.exit(2);
}
await import(main);
