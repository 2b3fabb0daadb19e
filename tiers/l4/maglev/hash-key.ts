// What the mh scheduler hashes (net/netfilter/ipvs/ip_vs_mh.c): one u32, the
// sum of an offset, a port and the address folded to 32 bits, through
// hsiphash with one of two keys fixed in the source. Fixed keys are what
// make every L4 node build the same table and pick the same real server.
import { expandIpv6, type Family, type IpAddress } from '../../../site/index.js';
import { hsiphashU32, type SipKey } from './hsiphash.js';

/** The kernel's table size for CONFIG_IP_VS_MH_TAB_INDEX=12 (Debian's): the prime 4093. */
export const MH_TABLE_SIZE = 4093;

/** Offsets and lookups: both 64-bit key words are 2654435761 (hash1). */
export const OFFSET_KEY: SipKey = { k0: { hi: 0, lo: 2654435761 }, k1: { hi: 0, lo: 2654435761 } };
/** Skips of the permutation: both key words 2654446892 (hash2). */
export const SKIP_KEY: SipKey = { k0: { hi: 0, lo: 2654446892 }, k1: { hi: 0, lo: 2654446892 } };

/**
 * The address as the kernel folds it, in host order: an IPv4 address as its
 * number, an IPv6 address as the xor of its four 32-bit words. The service's
 * family decides, for real servers too.
 */
export function foldAddress(address: IpAddress, family: Family): number {
  if (family === 'ipv4') return address.split('.').reduce((n, b) => n * 256 + Number(b), 0) >>> 0;
  const groups = expandIpv6(address);
  let fold = 0;
  for (let w = 0; w < 4; w++) fold ^= (((groups[2 * w] ?? 0) << 16) | (groups[2 * w + 1] ?? 0));
  return fold >>> 0;
}

/** The scheduler's hash of (folded address, port, offset); the sum wraps at 32 bits. */
export function mhHash(fold: number, port: number, key: SipKey, offset = 0): number {
  return hsiphashU32((offset + port + fold) >>> 0, key);
}
