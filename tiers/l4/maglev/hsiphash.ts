// The kernel's hsiphash as a 64-bit kernel computes it. On 64-bit builds
// lib/siphash.c makes the "half" SipHash a full SipHash-1-3 (64-bit words,
// one compression round, three finalisation rounds) and returns the low 32
// bits of its result; the lab's user-mode-linux kernel is such a build
// (CONFIG_64BIT=y). A 32-bit kernel runs HalfSipHash-1-3 instead and
// schedules differently: not modelled.
//
// JavaScript has no 64-bit integer but BigInt, which is too slow for the
// thousands of hashes a fallback walk can take; every 64-bit word here is a
// pair of unsigned 32-bit halves.

/** A 64-bit key word as its high and low 32-bit halves. */
export interface SipWord {
  readonly hi: number;
  readonly lo: number;
}

/** The two words of an hsiphash_key_t. */
export interface SipKey {
  readonly k0: SipWord;
  readonly k1: SipWord;
}

/** The four words of the SipHash state, each as two halves. */
class SipState {
  v0h: number; v0l: number;
  v1h: number; v1l: number;
  v2h: number; v2l: number;
  v3h: number; v3l: number;

  constructor(key: SipKey) {
    // "somepseudorandomlygeneratedbytes", xored with the key.
    this.v0h = (0x736f6d65 ^ key.k0.hi) >>> 0; this.v0l = (0x70736575 ^ key.k0.lo) >>> 0;
    this.v1h = (0x646f7261 ^ key.k1.hi) >>> 0; this.v1l = (0x6e646f6d ^ key.k1.lo) >>> 0;
    this.v2h = (0x6c796765 ^ key.k0.hi) >>> 0; this.v2l = (0x6e657261 ^ key.k0.lo) >>> 0;
    this.v3h = (0x74656462 ^ key.k1.hi) >>> 0; this.v3l = (0x79746573 ^ key.k1.lo) >>> 0;
  }

  /** One SipRound: add, rotate, xor on the four words. */
  round(): void {
    let t = this.v0l + this.v1l;
    this.v0h = (this.v0h + this.v1h + (t > 0xffffffff ? 1 : 0)) >>> 0; this.v0l = t >>> 0;
    let h = ((this.v1h << 13) | (this.v1l >>> 19)) >>> 0;
    let l = ((this.v1l << 13) | (this.v1h >>> 19)) >>> 0;
    this.v1h = (h ^ this.v0h) >>> 0; this.v1l = (l ^ this.v0l) >>> 0;
    t = this.v0h; this.v0h = this.v0l; this.v0l = t;

    t = this.v2l + this.v3l;
    this.v2h = (this.v2h + this.v3h + (t > 0xffffffff ? 1 : 0)) >>> 0; this.v2l = t >>> 0;
    h = ((this.v3h << 16) | (this.v3l >>> 16)) >>> 0;
    l = ((this.v3l << 16) | (this.v3h >>> 16)) >>> 0;
    this.v3h = (h ^ this.v2h) >>> 0; this.v3l = (l ^ this.v2l) >>> 0;

    t = this.v0l + this.v3l;
    this.v0h = (this.v0h + this.v3h + (t > 0xffffffff ? 1 : 0)) >>> 0; this.v0l = t >>> 0;
    h = ((this.v3h << 21) | (this.v3l >>> 11)) >>> 0;
    l = ((this.v3l << 21) | (this.v3h >>> 11)) >>> 0;
    this.v3h = (h ^ this.v0h) >>> 0; this.v3l = (l ^ this.v0l) >>> 0;

    t = this.v2l + this.v1l;
    this.v2h = (this.v2h + this.v1h + (t > 0xffffffff ? 1 : 0)) >>> 0; this.v2l = t >>> 0;
    h = ((this.v1h << 17) | (this.v1l >>> 15)) >>> 0;
    l = ((this.v1l << 17) | (this.v1h >>> 15)) >>> 0;
    this.v1h = (h ^ this.v2h) >>> 0; this.v1l = (l ^ this.v2l) >>> 0;
    t = this.v2h; this.v2h = this.v2l; this.v2l = t;
  }

  /** One message word: xor into v3, compress once, xor into v0. */
  absorb(hi: number, lo: number): void {
    this.v3h = (this.v3h ^ hi) >>> 0; this.v3l = (this.v3l ^ lo) >>> 0;
    this.round();
    this.v0h = (this.v0h ^ hi) >>> 0; this.v0l = (this.v0l ^ lo) >>> 0;
  }

  /** The last word, three finalisation rounds, and the low half of v0^v1^v2^v3. */
  finish(hi: number, lo: number): number {
    this.absorb(hi, lo);
    this.v2l = (this.v2l ^ 0xff) >>> 0;
    this.round();
    this.round();
    this.round();
    return (this.v0l ^ this.v1l ^ this.v2l ^ this.v3l) >>> 0;
  }
}

/** hsiphash of a byte string (little-endian words), as the kernel's self-test vectors give it. */
export function hsiphash(message: Uint8Array, key: SipKey): number {
  const state = new SipState(key);
  const whole = message.length - (message.length % 8);
  for (let at = 0; at < whole; at += 8) state.absorb(littleEndian(message, at + 4, 4), littleEndian(message, at, 4));
  const left = message.length - whole;
  const hi = ((message.length & 0xff) << 24 | littleEndian(message, whole + 4, Math.max(0, left - 4))) >>> 0;
  return state.finish(hi, littleEndian(message, whole, Math.min(4, left)));
}

/** hsiphash of one u32 in a little-endian machine's memory: the mh scheduler's only input. */
export function hsiphashU32(value: number, key: SipKey): number {
  return new SipState(key).finish((4 << 24) >>> 0, value >>> 0);
}

/** `count` bytes (0 to 4) from `at`, least significant first. */
function littleEndian(bytes: Uint8Array, at: number, count: number): number {
  let word = 0;
  for (let i = count - 1; i >= 0; i--) word = (word * 256) + (bytes[at + i] ?? 0);
  return word >>> 0;
}
