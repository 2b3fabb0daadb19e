import { describe, expect, it } from 'vitest';
import { describeRun } from './runner.js';

describe('describeRun', () => {
  it('names the command, its exit code and its stderr', () => {
    expect(describeRun('ip', ['link', 'add', 'x'], { exitCode: 2, stdout: '', stderr: 'Error: Unknown device type.\n' }))
      .toBe('ip link add x exited 2: Error: Unknown device type.');
  });
});
