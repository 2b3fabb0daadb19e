import { describe, expect, it } from 'vitest';
import type { IpAddress } from '../../../site/index.js';
import { announcesMore, sameAnnouncements } from './announce-order.js';

const a = (vip: string, gracefulShutdown = false) => ({ vip: vip as IpAddress, gracefulShutdown });

describe('announcesMore', () => {
  it('is true for a new VIP and for one leaving graceful shutdown: IPVS goes first', () => {
    expect(announcesMore([], [a('198.51.100.1')])).toBe(true);
    expect(announcesMore(undefined, [a('198.51.100.1', true)])).toBe(true);
    expect(announcesMore([a('198.51.100.1', true)], [a('198.51.100.1')])).toBe(true);
  });

  it('is false for a withdraw or a switch to graceful shutdown: the speaker goes first', () => {
    expect(announcesMore([a('198.51.100.1')], [])).toBe(false);
    expect(announcesMore([a('198.51.100.1')], [a('198.51.100.1', true)])).toBe(false);
    expect(announcesMore([a('198.51.100.1'), a('198.51.100.2')], [a('198.51.100.2')])).toBe(false);
  });
});

describe('sameAnnouncements', () => {
  it('compares sets whatever their order, and an unknown set is never the same', () => {
    expect(sameAnnouncements([a('198.51.100.2'), a('198.51.100.1')], [a('198.51.100.1'), a('198.51.100.2')])).toBe(true);
    expect(sameAnnouncements(undefined, [])).toBe(false);
    expect(sameAnnouncements([a('198.51.100.1')], [a('198.51.100.1', true)])).toBe(false);
  });
});
