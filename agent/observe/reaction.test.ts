import { describe, expect, it } from 'vitest';
import { timedKick } from './reaction.js';

describe('timedKick', () => {
  it('observes the time from the call to the end of the turn, also when the turn failed', async () => {
    let now = 1000;
    const clock = { now: () => now, sleep: async () => undefined };
    const seen: number[] = [];
    const ok = timedKick(async () => { now += 250; }, (s) => seen.push(s), clock);
    await ok('/etc/lb/disable changed');
    const failing = timedKick(async () => { now += 40; throw new Error('turn failed'); }, (s) => seen.push(s), clock);
    await expect(failing('/etc/lb/disable changed')).rejects.toThrow('turn failed');
    expect(seen).toEqual([0.25, 0.04]);
  });
});
