import { describe, expect, it } from 'vitest';
import { untilChecked } from './until-checked.js';

describe('untilChecked', () => {
  it('asks again while there is no verdict, and stops at the first one', async () => {
    const answers = ['unchecked', 'unchecked', 'installed', 'unchecked'];
    let asked = 0;
    const r = await untilChecked(async () => answers[asked++] as string, (a) => a === 'unchecked');
    expect(r).toBe('installed');
    expect(asked).toBe(3);
  });

  it('gives up after its tries and hands back the last answer', async () => {
    let asked = 0;
    const r = await untilChecked(async () => { asked++; return 'unchecked'; }, (a) => a === 'unchecked', 2);
    expect(r).toBe('unchecked');
    expect(asked).toBe(2);
  });

  it('takes a refusal as final at once', async () => {
    let asked = 0;
    const r = await untilChecked(async () => { asked++; return 'rejected'; }, (a) => a === 'unchecked');
    expect(r).toBe('rejected');
    expect(asked).toBe(1);
  });
});
