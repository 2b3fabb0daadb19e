import { describe, expect, it } from 'vitest';
import { readReactionsOptions } from './options.js';

describe('readReactionsOptions', () => {
  it('reads what the host writes', () => {
    expect(readReactionsOptions('{"speaker":"bird","reps":20,"signals":["l4-disable","l7-down"]}')).toEqual({ speaker: 'bird', reps: 20, signals: ['l4-disable', 'l7-down'] });
  });
  it.each([
    ['{"speaker":"quagga","reps":20,"signals":["l7-down"]}', /speaker/],
    ['{"speaker":"bird","reps":0,"signals":["l7-down"]}', /reps/],
    ['{"speaker":"bird","reps":2.5,"signals":["l7-down"]}', /reps/],
    ['{"speaker":"bird","reps":20,"signals":[]}', /signals/],
    ['{"speaker":"bird","reps":20,"signals":["rm -rf"]}', /signals/],
  ])('refuses %s', (text, why) => {
    expect(() => readReactionsOptions(text)).toThrow(why);
  });
});
