import { describe, expect, it } from 'vitest';
import { hsiphash, hsiphashU32, type SipKey } from './hsiphash.js';

// The self-test key and vectors of the kernel's lib/siphash_kunit.c for
// 64-bit builds (message i = bytes 0, 1, ..., i-1).
const TEST_KEY: SipKey = { k0: { hi: 0x07060504, lo: 0x03020100 }, k1: { hi: 0x0f0e0d0c, lo: 0x0b0a0908 } };
const VECTORS: Record<number, number> = {
  0: 0x050fc4dc, 1: 0x7d57ca93, 2: 0x4dc7d44d, 3: 0xe7ddf7fb, 4: 0x88d38328, 5: 0x49533b67,
  6: 0xc59f22a7, 7: 0x9bb11140, 8: 0x8d299a8e, 9: 0x6c063de4, 15: 0x2a519956, 16: 0x7d908b66, 63: 0xb7bbb3a8,
};

describe('hsiphash (SipHash-1-3 as a 64-bit kernel runs it)', () => {
  it('gives the kernel self-test vectors for messages of 0 to 63 bytes', () => {
    for (const [length, expected] of Object.entries(VECTORS)) {
      const message = Uint8Array.from({ length: Number(length) }, (_, i) => i);
      expect(hsiphash(message, TEST_KEY), `length ${length}`).toBe(expected);
    }
  });

  it('hashes one u32 as the four bytes a little-endian machine stores', () => {
    expect(hsiphashU32(0x03020100, TEST_KEY)).toBe(VECTORS[4]);
  });

  it('returns unsigned 32-bit numbers', () => {
    for (let v = 0; v < 1000; v++) {
      const h = hsiphashU32(v * 2654435761, TEST_KEY);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});
