// The IPVS generic-netlink family (include/uapi/linux/ip_vs.h): services and
// destinations as plain structs, one dump of the whole table, and ordered
// batches of changes. No Node.js types here; addon.cc converts.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "netlink.h"

namespace tierlb {

struct Stats {
  uint64_t conns = 0, inpkts = 0, outpkts = 0, inbytes = 0, outbytes = 0;
  uint64_t cps = 0, inpps = 0, outpps = 0, inbps = 0, outbps = 0;
};

// 16 bytes whatever the family, as the kernel's union nf_inet_addr.
struct Address {
  uint16_t af = AF_INET;
  uint8_t bytes[16] = {};
};

// Which service: (af, protocol, address, port) or (af, fwmark).
struct ServiceKey {
  uint16_t af = AF_INET;
  uint16_t protocol = 0;  // IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP; 0 with a fwmark
  Address addr;
  uint16_t port = 0;  // host order
  uint32_t fwmark = 0;
};

struct Service {
  ServiceKey key;
  std::string scheduler;
  std::string pe_name;
  uint32_t flags = 0;  // IP_VS_SVC_F_*
  uint32_t timeout = 0;
  uint32_t netmask = 0;  // IPv4: a mask in network order; IPv6: a prefix length
  Stats stats;
};

struct Destination {
  Address addr;
  uint16_t port = 0;  // host order
  uint32_t conn_flags = 0;  // IP_VS_CONN_F_* (forwarding method in the low bits)
  uint32_t weight = 0;
  uint32_t u_threshold = 0, l_threshold = 0;
  uint32_t active_conns = 0, inact_conns = 0, persist_conns = 0;
  uint8_t tun_type = 0;
  uint16_t tun_port = 0;  // host order
  uint16_t tun_flags = 0;
  Stats stats;
};

struct ServiceWithDests {
  Service service;
  std::vector<Destination> dests;  // kernel order: newest first
};

enum class OpKind { kAddService, kEditService, kDeleteService, kAddDest, kEditDest, kDeleteDest };

struct Op {
  OpKind kind;
  Service service;  // the key only for delete-service and the destination ops
  Destination dest;
};

class Ipvs {
 public:
  // Opens the socket and resolves the family; false with *error set.
  bool Open(NetlinkError* error);
  // Every service (one dump), then the destinations of each (one dump per
  // service: the kernel's IPVS_CMD_GET_DEST needs the service).
  bool List(std::vector<ServiceWithDests>* out, NetlinkError* error);
  // Runs ops in order, one acknowledged request each; stops at the first
  // failure and sets *failed_at to its index (ops.size() when all succeeded).
  bool Apply(const std::vector<Op>& ops, size_t* failed_at, NetlinkError* error);
  // Runs every op in order, packed several to a datagram; a refused op does
  // not stop the ones after it. Failures as (index, errno), in order.
  bool ApplyAll(const std::vector<Op>& ops, std::vector<std::pair<size_t, int>>* failures, NetlinkError* error);

 private:
  GenlSocket sock_;
  uint16_t family_ = 0;
};

}  // namespace tierlb
