import { describe, expect, it } from 'vitest';
import { summarize, type VitestReport } from './test-summary-read.js';

const report: VitestReport = {
  numTotalTests: 4,
  numPassedTests: 2,
  numFailedTests: 1,
  testResults: [
    {
      name: '/repo/test/lab/lab.test.ts', status: 'failed',
      assertionResults: [
        { fullName: 'the lab, end to end runs every node\'s agent', status: 'passed', failureMessages: [] },
        { fullName: 'the lab, end to end drains a server', status: 'failed', failureMessages: ['AssertionError: \u001b[31mtierlb depool srv-1: 1.40 s after the commit\u001b[39m\n    at /repo/node_modules/@vitest/runner/dist/chunk-hooks.js:155:11\n    at new Promise (<anonymous>)\n\n--- lab output ---\nline 1\nline 2\nline 3'] },
      ],
    },
    { name: '/repo/agent/roles/l4/index.test.ts', status: 'failed', message: 'Error: Hook timed out in 30000ms', assertionResults: [{ fullName: 'skipped by the hook', status: 'skipped' }] },
    { name: '/repo/tiers/l4/diff.test.ts', status: 'passed', assertionResults: [{ fullName: 'diff', status: 'passed' }] },
  ],
};

describe('summarize', () => {
  it('names each failed test by file and full name, with its message\'s first lines, colours and the runner\'s stack frames removed', () => {
    const s = summarize(report, 3, '/repo');
    expect(s.failures[0]).toEqual({
      file: 'test/lab/lab.test.ts',
      test: 'the lab, end to end drains a server',
      message: ['AssertionError: tierlb depool srv-1: 1.40 s after the commit', '--- lab output ---', 'line 1', '… 2 more lines'],
    });
  });

  it('names a file that failed with no failed test (a hook, an import), with the file\'s message', () => {
    const s = summarize(report, 3, '/repo');
    expect(s.failures[1]).toEqual({ file: 'agent/roles/l4/index.test.ts', test: '(the file itself)', message: ['Error: Hook timed out in 30000ms'] });
    expect(s.failures).toHaveLength(2);
  });

  it('counts in one line', () => {
    expect(summarize(report, 3, '/repo').line).toBe('2 of 4 tests passed, 2 failed');
    expect(summarize({ numTotalTests: 5, numPassedTests: 5, testResults: [] }, 3, '/repo')).toEqual({ line: '5 of 5 tests passed', failures: [] });
  });

  it('reads a report with none of its fields', () => {
    expect(summarize({}, 3, '/repo')).toEqual({ line: '0 of 0 tests passed', failures: [] });
  });
});
