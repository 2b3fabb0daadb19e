// What a vitest JSON report says of a run, in a few lines: the counts, and
// each failed test (or a file that failed outside its tests) with the start
// of its message, colour codes removed.
import { relative } from 'node:path';

/** The parts of vitest's JSON report read here. */
export interface VitestReport {
  readonly numTotalTests?: number;
  readonly numPassedTests?: number;
  readonly numFailedTests?: number;
  readonly testResults?: readonly {
    readonly name?: string;
    readonly status?: string;
    readonly message?: string;
    readonly assertionResults?: readonly { readonly fullName?: string; readonly status?: string; readonly failureMessages?: readonly string[] }[];
  }[];
}

export interface Failure { readonly file: string; readonly test: string; readonly message: readonly string[] }
export interface Summary { readonly line: string; readonly failures: readonly Failure[] }

// eslint-disable-next-line no-control-regex -- the colour codes are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** Stack frames of the test runner and of Node itself: they say nothing of what failed. */
const RUNNER_FRAME = /^\s*at (.*node_modules\/|new Promise|.*\(node:)/;

function firstLines(text: string, n: number): string[] {
  const lines = text.replace(ANSI, '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '' && !RUNNER_FRAME.test(l));
  return lines.length > n ? [...lines.slice(0, n), `… ${lines.length - n} more lines`] : lines;
}

/** `root`: the checkout, left out of the files' paths. */
export function summarize(report: VitestReport, messageLines: number, root: string): Summary {
  const failures: Failure[] = [];
  for (const file of report.testResults ?? []) {
    const name = relative(root, file.name ?? '?');
    const tests = file.assertionResults ?? [];
    for (const t of tests.filter((x) => x.status === 'failed')) {
      failures.push({ file: name, test: t.fullName ?? '?', message: firstLines((t.failureMessages ?? []).join('\n'), messageLines) });
    }
    // A file can fail with no failed test: an error in a hook or at import.
    if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
      failures.push({ file: name, test: '(the file itself)', message: firstLines(file.message ?? 'failed outside its tests', messageLines) });
    }
  }
  const total = report.numTotalTests ?? 0;
  const passed = report.numPassedTests ?? 0;
  return { line: `${passed} of ${total} tests passed${failures.length > 0 ? `, ${failures.length} failed` : ''}`, failures };
}
