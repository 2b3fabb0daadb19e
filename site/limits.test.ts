import { describe, expect, it } from 'vitest';
import { cutShort } from './limits.js';

describe('cutShort', () => {
  it('leaves text within the limit as it is', () => {
    expect(cutShort('abc', 3)).toBe('abc');
  });

  it('cuts longer text and says how long it was', () => {
    expect(cutShort('x'.repeat(52_428_800), 5)).toBe('xxxxx… (52428800 characters)');
  });

  it('does not split a surrogate pair at the cut', () => {
    expect(cutShort('ab😀cd', 3)).toBe('ab… (6 characters)');
  });
});
