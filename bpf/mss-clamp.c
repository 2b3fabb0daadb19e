// SPDX-License-Identifier: GPL-2.0
// TCP MSS clamping of SYN-ACKs sent from VIPs, for an L7 node's egress (tc
// clsact, direct action). Users reach a VIP through an IPIP (IPv4) or
// ip6ip6 (IPv6) tunnel from the L4 nodes; the node answers directly. A
// SYN-ACK that offers the MSS of its own link lets the user send segments
// that no longer fit once the L4 node adds the outer header, and the "too
// big" ICMP the L4 node answers with is often dropped on the way back: the
// upload stalls. So the MSS a VIP offers is lowered to what fits the tunnel.
//
// The loader fills the maps: the VIPs of each family, and the MSS of each
// family (0: leave that family alone). Only SYN-ACKs from a VIP with an MSS
// option larger than the family's are changed; the TCP checksum is updated
// for the two bytes. The stats map counts what was seen and clamped.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MAX_VIPS 65536
// TCP options fill at most 40 bytes; the walk looks at most at this many of them.
#define MAX_OPTIONS 10
// RFC 9293: end of option list, no-operation, maximum segment size (kind, length 4, value).
#define OPTION_END 0
#define OPTION_NOP 1
#define OPTION_MSS 2
#define OPTION_MSS_LEN 4

enum config_key { MSS_IPV4 = 0, MSS_IPV6 = 1, CONFIG_KEYS };
enum stat_key { SEEN_IPV4 = 0, SEEN_IPV6 = 1, CLAMPED_IPV4 = 2, CLAMPED_IPV6 = 3, STAT_KEYS };

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_VIPS);
  __type(key, __be32);
  __type(value, __u8);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_mss_vips4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_VIPS);
  __type(key, struct in6_addr);
  __type(value, __u8);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_mss_vips6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, CONFIG_KEYS);
  __type(key, __u32);
  __type(value, __u32);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_mss_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, STAT_KEYS);
  __type(key, __u32);
  __type(value, __u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} tierlb_mss_stats SEC(".maps");

static __always_inline void count(__u32 key) {
  __u64 *v = bpf_map_lookup_elem(&tierlb_mss_stats, &key);
  if (v) *v += 1;
}

static __always_inline __u32 mss_of(__u32 key) {
  __u32 *v = bpf_map_lookup_elem(&tierlb_mss_config, &key);
  return v ? *v : 0;
}

// Where the TCP header starts and which family, for a TCP packet from a VIP; 0 otherwise.
static __always_inline __u32 tcp_from_vip(struct __sk_buff *skb, __u32 *family) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end) return 0;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || (ip->frag_off & bpf_htons(0x3fff)) || ip->ihl < 5) return 0;
    __be32 src = ip->saddr;
    if (!bpf_map_lookup_elem(&tierlb_mss_vips4, &src)) return 0;
    *family = MSS_IPV4;
    return sizeof(*eth) + ip->ihl * 4;
  }
  if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    // A SYN-ACK from a VIP carries no extension header.
    if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP) return 0;
    struct in6_addr src = ip6->saddr;
    if (!bpf_map_lookup_elem(&tierlb_mss_vips6, &src)) return 0;
    *family = MSS_IPV6;
    return sizeof(*eth) + sizeof(*ip6);
  }
  return 0;
}

// Lowers the MSS option at `off` when it is above `mss`; 1 when it did.
static __always_inline int lower_mss(struct __sk_buff *skb, __u32 tcp, __u32 off, __u32 mss) {
  __be16 old;
  if (bpf_skb_load_bytes(skb, off + 2, &old, sizeof(old)) < 0 || bpf_ntohs(old) <= mss) return 0;
  __be16 lowered = bpf_htons((__u16)mss);
  if (bpf_l4_csum_replace(skb, tcp + offsetof(struct tcphdr, check), old, lowered, sizeof(lowered)) < 0) return 0;
  return bpf_skb_store_bytes(skb, off + 2, &lowered, sizeof(lowered), 0) == 0;
}

SEC("tc")
int tierlb_mss_clamp(struct __sk_buff *skb) {
  __u32 family = 0;
  __u32 tcp = tcp_from_vip(skb, &family);
  if (tcp == 0) return TC_ACT_OK;
  struct tcphdr th;
  if (bpf_skb_load_bytes(skb, tcp, &th, sizeof(th)) < 0 || !th.syn || !th.ack || th.rst) return TC_ACT_OK;
  count(family == MSS_IPV4 ? SEEN_IPV4 : SEEN_IPV6);
  __u32 mss = mss_of(family);
  if (mss == 0) return TC_ACT_OK;
  __u32 options_end = tcp + th.doff * 4;
  __u32 off = tcp + sizeof(th);
  for (int i = 0; i < MAX_OPTIONS; i++) {
    __u8 kind_len[2];
    if (off + 2 > options_end || bpf_skb_load_bytes(skb, off, kind_len, sizeof(kind_len)) < 0) break;
    if (kind_len[0] == OPTION_END) break;
    if (kind_len[0] == OPTION_NOP) { off += 1; continue; }
    if (kind_len[0] == OPTION_MSS && kind_len[1] == OPTION_MSS_LEN) {
      if (off + OPTION_MSS_LEN <= options_end && lower_mss(skb, tcp, off, mss)) count(family == MSS_IPV4 ? CLAMPED_IPV4 : CLAMPED_IPV6);
      break;
    }
    if (kind_len[1] < 2) break;
    off += kind_len[1];
  }
  return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
