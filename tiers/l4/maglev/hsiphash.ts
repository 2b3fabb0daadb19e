// The kernel's hsiphash as a 64-bit kernel computes it. On 64-bit builds
// lib/siphash.c makes the "half" SipHash a full SipHash-1-3 (64-bit words,
// one compression round, three finalisation rounds) and returns the low 32
// bits of its result; the lab's user-mode-linux kernel is such a build
// (CONFIG_64BIT=y). A 32-bit kernel runs HalfSipHash-1-3 instead and
// schedules differently: not modelled.
//
// JavaScript has no 64-bit integer but BigInt, which is too slow for the
// thousands of hashes a fallback walk can take; every 64-bit word here is a
// pair of 32-bit halves.

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

/**
 * The four state words as 32-bit halves, [v0 high, v0 low, v1 high, ...], in
 * an Int32Array: its elements stay machine integers in V8's optimised code,
 * where object fields above 2^30 would become boxed numbers.
 */
type SipState = Int32Array;

function initialState(key: SipKey): SipState {
  // "somepseudorandomlygeneratedbytes", xored with the key.
  return Int32Array.of(
    0x736f6d65 ^ key.k0.hi, 0x70736575 ^ key.k0.lo,
    0x646f7261 ^ key.k1.hi, 0x6e646f6d ^ key.k1.lo,
    0x6c796765 ^ key.k0.hi, 0x6e657261 ^ key.k0.lo,
    0x74656462 ^ key.k1.hi, 0x79746573 ^ key.k1.lo,
  );
}

/** `count` SipRounds: add, rotate, xor on the four words. */
function rounds(v: SipState, count: number): void {
  let v0h = v[0] as number, v0l = v[1] as number, v1h = v[2] as number, v1l = v[3] as number;
  let v2h = v[4] as number, v2l = v[5] as number, v3h = v[6] as number, v3l = v[7] as number;
  for (let r = 0; r < count; r++) {
    let l = (v0l + v1l) | 0;
    v0h = (v0h + v1h + ((l >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0; v0l = l;
    let h = (v1h << 13) | (v1l >>> 19);
    l = (v1l << 13) | (v1h >>> 19);
    v1h = h ^ v0h; v1l = l ^ v0l;
    h = v0h; v0h = v0l; v0l = h;

    l = (v2l + v3l) | 0;
    v2h = (v2h + v3h + ((l >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0; v2l = l;
    h = (v3h << 16) | (v3l >>> 16);
    l = (v3l << 16) | (v3h >>> 16);
    v3h = h ^ v2h; v3l = l ^ v2l;

    l = (v0l + v3l) | 0;
    v0h = (v0h + v3h + ((l >>> 0) < (v0l >>> 0) ? 1 : 0)) | 0; v0l = l;
    h = (v3h << 21) | (v3l >>> 11);
    l = (v3l << 21) | (v3h >>> 11);
    v3h = h ^ v0h; v3l = l ^ v0l;

    l = (v2l + v1l) | 0;
    v2h = (v2h + v1h + ((l >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0; v2l = l;
    h = (v1h << 17) | (v1l >>> 15);
    l = (v1l << 17) | (v1h >>> 15);
    v1h = h ^ v2h; v1l = l ^ v2l;
    h = v2h; v2h = v2l; v2l = h;
  }
  v[0] = v0h; v[1] = v0l; v[2] = v1h; v[3] = v1l; v[4] = v2h; v[5] = v2l; v[6] = v3h; v[7] = v3l;
}

/** One message word: xor into v3, compress once, xor into v0. */
function absorb(v: SipState, hi: number, lo: number): void {
  v[6] = (v[6] as number) ^ hi; v[7] = (v[7] as number) ^ lo;
  rounds(v, 1);
  v[0] = (v[0] as number) ^ hi; v[1] = (v[1] as number) ^ lo;
}

/** The last word, three finalisation rounds, and the low half of v0^v1^v2^v3. */
function finish(v: SipState, hi: number, lo: number): number {
  absorb(v, hi, lo);
  v[5] = (v[5] as number) ^ 0xff;
  rounds(v, 3);
  return ((v[1] as number) ^ (v[3] as number) ^ (v[5] as number) ^ (v[7] as number)) >>> 0;
}

/** hsiphash of a byte string (little-endian words), as the kernel's self-test vectors give it. */
export function hsiphash(message: Uint8Array, key: SipKey): number {
  const state = initialState(key);
  const whole = message.length - (message.length % 8);
  for (let at = 0; at < whole; at += 8) absorb(state, littleEndian(message, at + 4, 4), littleEndian(message, at, 4));
  const left = message.length - whole;
  const hi = ((message.length & 0xff) << 24 | littleEndian(message, whole + 4, Math.max(0, left - 4))) >>> 0;
  return finish(state, hi, littleEndian(message, whole, Math.min(4, left)));
}

/**
 * hsiphash of one u32 as a little-endian machine stores it: the mh
 * scheduler's only input. (A big-endian kernel reads those bytes in the other
 * order and builds other tables: not modelled.)
 */
export function hsiphashU32(value: number, key: SipKey): number {
  return finish(initialState(key), 4 << 24, value | 0);
}

/** `count` bytes (0 to 4) from `at`, least significant first. */
function littleEndian(bytes: Uint8Array, at: number, count: number): number {
  let word = 0;
  for (let i = count - 1; i >= 0; i--) word = (word * 256) + (bytes[at + i] ?? 0);
  return word >>> 0;
}
