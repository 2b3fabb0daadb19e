// The end of `npm test`: every failed test of every suite, with the start of
// its message, read from vitest's JSON reports. The suites print thousands of
// lines and a run's end is often all a reader (or a CI log) keeps.
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { summarize, type VitestReport } from './test-summary-read.js';

const MESSAGE_LINES = 8;

function read(file: string): VitestReport | string {
  if (!existsSync(file)) return 'no report (the run ended before it wrote one)';
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VitestReport;
  } catch (e) {
    return `an unreadable report: ${(e as Error).message}`;
  }
}

let failed = 0;
console.log('== summary');
for (const file of process.argv.slice(2)) {
  const suite = basename(file, '.json');
  const report = read(file);
  if (typeof report === 'string') {
    console.log(`${suite}: ${report}`);
    continue;
  }
  const s = summarize(report, MESSAGE_LINES, process.cwd());
  failed += s.failures.length;
  console.log(`${suite}: ${s.line}`);
  for (const f of s.failures) {
    console.log(`  FAILED ${f.file} > ${f.test}`);
    for (const l of f.message) console.log(`    ${l}`);
  }
}
if (failed === 0) console.log('no test failed');
