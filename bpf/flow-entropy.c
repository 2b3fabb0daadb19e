// SPDX-License-Identifier: GPL-2.0
// Per-flow outer source addresses of the IPIP and ip6ip6 packets an L4 node
// sends to L7 nodes, for the L4 node's egress (tc clsact, direct action).
// IPVS in tunnel mode gives every packet from one L4 node to one L7 node the
// same outer addresses, and a NIC that hashes only the outer header puts
// them all on one receive queue, one CPU, of the L7 node. So the outer
// source is chosen out of a set of the node's addresses by a hash of the
// inner flow: one flow keeps one source (its packets stay on one queue, in
// order) and different flows spread.
//
// The loader fills the maps: for each outer family, the node's own tunnel
// source and how many addresses of that family the sources map holds (0:
// leave that family alone). Only tunnelled packets whose outer source is the
// node's own are changed; the node's other traffic never is. The stats map
// counts, per outer family, the tunnelled packets from the own address that
// were seen (with a count of 1..256) and the ones rewritten; a packet whose
// chosen source is the own address, or whose inner header cannot be read,
// is seen and not rewritten.
//
// Outer IPv4 fragments are left alone: a later fragment carries no inner
// header to hash, and fragments of one packet with different sources would
// never be reassembled. Inner fragments and protocols without ports hash
// with ports 0, so every fragment of a packet gets the same source.
//
// Headers are copied with bpf_skb_load_bytes instead of read in place: the
// inner headers of an encapsulated packet need not be in the linear part of
// the skb, and no packet pointer is held across the helpers that write.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MAX_SOURCES 256
// The more-fragments flag and the fragment offset of an IPv4 header.
#define IP_FRAGMENT 0x3fff
#define HASH_SEED 0x9e3779b9

enum family_key { OUTER_IPV4 = 0, OUTER_IPV6 = 1, FAMILIES };
enum stat_key { SEEN_IPV4 = 0, SEEN_IPV6 = 1, REWRITTEN_IPV4 = 2, REWRITTEN_IPV6 = 3, STAT_KEYS };

// How many sources of the family the map holds, and the node's own tunnel
// source in network byte order (IPv4 in own[0..3], the rest zero).
struct fe_config {
  __u32 count;
  __u8 own[16];
};
_Static_assert(sizeof(struct fe_config) == 20, "the loader writes 20 bytes: count, then own");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, FAMILIES);
  __type(key, __u32);
  __type(value, struct fe_config);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_fe_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MAX_SOURCES);
  __type(key, __u32);
  __type(value, __be32);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_fe_sources4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MAX_SOURCES);
  __type(key, __u32);
  __type(value, struct in6_addr);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_fe_sources6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, STAT_KEYS);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_fe_stats SEC(".maps");

// An outer header carrying a tunnelled packet: its family, its source (as
// four words, IPv4 in the first), where the inner packet starts and what it is.
struct outer {
  __u32 family;
  __u32 src[4];
  __u32 inner;
  __u8 inner_proto;
};

static __always_inline void count(__u32 key) {
  __u64 *v = bpf_map_lookup_elem(&tierlb_fe_stats, &key);
  if (v) *v += 1;
}

// The body and finalizer of MurmurHash3 (x86, 32 bits), one word at a time.
static __always_inline __u32 rotl32(__u32 x, int r) { return (x << r) | (x >> (32 - r)); }

static __always_inline __u32 mix(__u32 h, __u32 k) {
  k *= 0xcc9e2d51;
  k = rotl32(k, 15);
  k *= 0x1b873593;
  h ^= k;
  h = rotl32(h, 13);
  return h * 5 + 0xe6546b64;
}

static __always_inline __u32 finish(__u32 h) {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

static __always_inline int has_ports(__u8 protocol) {
  return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP;
}

// The outer header of a tunnelled packet; 0 when the packet is not one.
static __always_inline int read_outer(struct __sk_buff *skb, struct outer *o) {
  // The frame's own type must agree: a device without an Ethernet header, or
  // a VLAN tag inside the frame, is not looked into.
  __be16 eth_proto;
  if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_proto, sizeof(eth_proto)) < 0 || eth_proto != skb->protocol) return 0;
  if (skb->protocol == bpf_htons(ETH_P_IP)) {
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0 || ip.version != 4 || ip.ihl < 5 || (ip.frag_off & bpf_htons(IP_FRAGMENT))) return 0;
    o->family = OUTER_IPV4;
    o->src[0] = ip.saddr;
    o->inner = ETH_HLEN + ip.ihl * 4;
    o->inner_proto = ip.protocol;
  } else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr ip6;
    // The tunnel header follows the fixed header: extension headers are not followed.
    if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)) < 0 || ip6.version != 6) return 0;
    o->family = OUTER_IPV6;
    __builtin_memcpy(o->src, &ip6.saddr, sizeof(o->src));
    o->inner = ETH_HLEN + sizeof(ip6);
    o->inner_proto = ip6.nexthdr;
  } else {
    return 0;
  }
  return o->inner_proto == IPPROTO_IPIP || o->inner_proto == IPPROTO_IPV6;
}

// The hash of the inner flow: addresses, protocol and the four bytes of
// ports; 0 when the inner headers cannot be read.
static __always_inline int hash_inner(struct __sk_buff *skb, const struct outer *o, __u32 *hash) {
  __u32 h = HASH_SEED;
  __u32 l4;
  __u8 protocol;
  int fragment = 0;
  if (o->inner_proto == IPPROTO_IPIP) {
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, o->inner, &ip, sizeof(ip)) < 0 || ip.version != 4 || ip.ihl < 5) return 0;
    h = mix(mix(h, ip.saddr), ip.daddr);
    protocol = ip.protocol;
    fragment = (ip.frag_off & bpf_htons(IP_FRAGMENT)) != 0;
    l4 = o->inner + ip.ihl * 4;
  } else {
    struct ipv6hdr ip6;
    __u32 addrs[8];
    if (bpf_skb_load_bytes(skb, o->inner, &ip6, sizeof(ip6)) < 0 || ip6.version != 6) return 0;
    __builtin_memcpy(addrs, &ip6.saddr, sizeof(addrs));
    for (int i = 0; i < 8; i++) h = mix(h, addrs[i]);
    protocol = ip6.nexthdr;
    l4 = o->inner + sizeof(ip6);
  }
  __u32 ports = 0;
  if (has_ports(protocol) && !fragment && bpf_skb_load_bytes(skb, l4, &ports, sizeof(ports)) < 0) return 0;
  *hash = finish(mix(mix(h, protocol), ports));
  return 1;
}

// Writes the IPv4 source and mends the header checksum; 1 when both were done.
static __always_inline int rewrite4(struct __sk_buff *skb, __be32 old, __be32 new) {
  __u32 saddr = ETH_HLEN + offsetof(struct iphdr, saddr);
  if (bpf_skb_store_bytes(skb, saddr, &new, sizeof(new), 0) < 0) return 0;
  if (bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old, new, sizeof(new)) == 0) return 1;
  bpf_skb_store_bytes(skb, saddr, &old, sizeof(old), 0);
  return 0;
}

// Replaces the outer source with the chosen one; 1 when the packet changed.
static __always_inline int rewrite(struct __sk_buff *skb, const struct outer *o, __u32 index) {
  if (o->family == OUTER_IPV4) {
    __be32 *src = bpf_map_lookup_elem(&tierlb_fe_sources4, &index);
    if (!src || *src == o->src[0]) return 0;
    return rewrite4(skb, o->src[0], *src);
  }
  struct in6_addr *src6 = bpf_map_lookup_elem(&tierlb_fe_sources6, &index);
  if (!src6) return 0;
  struct in6_addr chosen = *src6;
  __u32 words[4];
  __builtin_memcpy(words, &chosen, sizeof(words));
  if (words[0] == o->src[0] && words[1] == o->src[1] && words[2] == o->src[2] && words[3] == o->src[3]) return 0;
  return bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct ipv6hdr, saddr), &chosen, sizeof(chosen), 0) == 0;
}

SEC("tc")
int tierlb_flow_entropy(struct __sk_buff *skb) {
  struct outer o = {};
  if (!read_outer(skb, &o)) return TC_ACT_OK;
  struct fe_config *config = bpf_map_lookup_elem(&tierlb_fe_config, &o.family);
  if (!config) return TC_ACT_OK;
  __u32 sources = config->count;
  if (sources == 0 || sources > MAX_SOURCES) return TC_ACT_OK;
  __u32 own[4];
  __builtin_memcpy(own, config->own, sizeof(own));
  if (own[0] != o.src[0] || own[1] != o.src[1] || own[2] != o.src[2] || own[3] != o.src[3]) return TC_ACT_OK;
  count(o.family == OUTER_IPV4 ? SEEN_IPV4 : SEEN_IPV6);
  __u32 hash;
  if (!hash_inner(skb, &o, &hash)) return TC_ACT_OK;
  if (rewrite(skb, &o, hash % sources)) count(o.family == OUTER_IPV4 ? REWRITTEN_IPV4 : REWRITTEN_IPV6);
  return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
