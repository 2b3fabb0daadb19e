#include "ipvs.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include <cstring>

namespace tierlb {

namespace {

void PutAddr(Message& m, uint16_t type, const Address& a) { m.Put(type, a.bytes, sizeof a.bytes); }

void PutServiceKey(Message& m, const ServiceKey& k) {
  m.PutU16(IPVS_SVC_ATTR_AF, k.af);
  if (k.fwmark != 0) {
    m.PutU32(IPVS_SVC_ATTR_FWMARK, k.fwmark);
    return;
  }
  m.PutU16(IPVS_SVC_ATTR_PROTOCOL, k.protocol);
  PutAddr(m, IPVS_SVC_ATTR_ADDR, k.addr);
  m.PutU16(IPVS_SVC_ATTR_PORT, htons(k.port));
}

void PutService(Message& m, const Service& s, bool full) {
  size_t nest = m.BeginNested(IPVS_CMD_ATTR_SERVICE);
  PutServiceKey(m, s.key);
  if (full) {
    m.PutString(IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
    if (!s.pe_name.empty()) m.PutString(IPVS_SVC_ATTR_PE_NAME, s.pe_name);
    ip_vs_flags f{s.flags, ~0u};  // the mask says every flag is given, as ipvsadm does
    m.Put(IPVS_SVC_ATTR_FLAGS, &f, sizeof f);
    m.PutU32(IPVS_SVC_ATTR_TIMEOUT, s.timeout);
    m.PutU32(IPVS_SVC_ATTR_NETMASK, s.netmask);
  }
  m.EndNested(nest);
}

void PutDest(Message& m, const Destination& d, bool full) {
  size_t nest = m.BeginNested(IPVS_CMD_ATTR_DEST);
  m.PutU16(IPVS_DEST_ATTR_ADDR_FAMILY, d.addr.af);
  PutAddr(m, IPVS_DEST_ATTR_ADDR, d.addr);
  m.PutU16(IPVS_DEST_ATTR_PORT, htons(d.port));
  if (full) {
    m.PutU32(IPVS_DEST_ATTR_FWD_METHOD, d.conn_flags);
    m.PutU32(IPVS_DEST_ATTR_WEIGHT, d.weight);
    m.PutU8(IPVS_DEST_ATTR_TUN_TYPE, d.tun_type);
    m.PutU16(IPVS_DEST_ATTR_TUN_PORT, htons(d.tun_port));
    m.PutU16(IPVS_DEST_ATTR_TUN_FLAGS, d.tun_flags);
    m.PutU32(IPVS_DEST_ATTR_U_THRESH, d.u_threshold);
    m.PutU32(IPVS_DEST_ATTR_L_THRESH, d.l_threshold);
  }
  m.EndNested(nest);
}

void ReadStats(const Attr& nested, bool is64, Stats* s) {
  if (nested.data == nullptr) return;
  auto a = ParseAttrs(nested.data, nested.len, IPVS_STATS_ATTR_MAX);
  auto get = [&](int t) -> uint64_t { return a[t].data == nullptr ? 0 : (is64 ? a[t].u64() : a[t].u32()); };
  s->conns = get(IPVS_STATS_ATTR_CONNS);
  s->inpkts = get(IPVS_STATS_ATTR_INPKTS);
  s->outpkts = get(IPVS_STATS_ATTR_OUTPKTS);
  // Bytes are 64-bit even in the old attribute.
  s->inbytes = a[IPVS_STATS_ATTR_INBYTES].data ? a[IPVS_STATS_ATTR_INBYTES].u64() : 0;
  s->outbytes = a[IPVS_STATS_ATTR_OUTBYTES].data ? a[IPVS_STATS_ATTR_OUTBYTES].u64() : 0;
  s->cps = get(IPVS_STATS_ATTR_CPS);
  s->inpps = get(IPVS_STATS_ATTR_INPPS);
  s->outpps = get(IPVS_STATS_ATTR_OUTPPS);
  s->inbps = get(IPVS_STATS_ATTR_INBPS);
  s->outbps = get(IPVS_STATS_ATTR_OUTBPS);
}

void ReadAddr(const Attr& a, uint16_t af, Address* out) {
  out->af = af;
  if (a.data != nullptr) memcpy(out->bytes, a.data, a.len < sizeof out->bytes ? a.len : sizeof out->bytes);
}

bool ReadService(const uint8_t* payload, size_t len, Service* s) {
  auto top = ParseAttrs(payload, len, IPVS_CMD_ATTR_MAX);
  const Attr& nested = top[IPVS_CMD_ATTR_SERVICE];
  if (nested.data == nullptr) return false;
  auto a = ParseAttrs(nested.data, nested.len, IPVS_SVC_ATTR_MAX);
  s->key.af = a[IPVS_SVC_ATTR_AF].u16();
  s->key.protocol = a[IPVS_SVC_ATTR_PROTOCOL].u16();
  ReadAddr(a[IPVS_SVC_ATTR_ADDR], s->key.af, &s->key.addr);
  s->key.port = ntohs(a[IPVS_SVC_ATTR_PORT].u16());
  s->key.fwmark = a[IPVS_SVC_ATTR_FWMARK].u32();
  s->scheduler = a[IPVS_SVC_ATTR_SCHED_NAME].str();
  s->pe_name = a[IPVS_SVC_ATTR_PE_NAME].str();
  ip_vs_flags f{0, 0};
  if (a[IPVS_SVC_ATTR_FLAGS].len >= sizeof f) memcpy(&f, a[IPVS_SVC_ATTR_FLAGS].data, sizeof f);
  s->flags = f.flags;
  s->timeout = a[IPVS_SVC_ATTR_TIMEOUT].u32();
  s->netmask = a[IPVS_SVC_ATTR_NETMASK].u32();
  if (a[IPVS_SVC_ATTR_STATS64].data) ReadStats(a[IPVS_SVC_ATTR_STATS64], true, &s->stats);
  else ReadStats(a[IPVS_SVC_ATTR_STATS], false, &s->stats);
  return true;
}

bool ReadDest(const uint8_t* payload, size_t len, uint16_t svc_af, Destination* d) {
  auto top = ParseAttrs(payload, len, IPVS_CMD_ATTR_MAX);
  const Attr& nested = top[IPVS_CMD_ATTR_DEST];
  if (nested.data == nullptr) return false;
  auto a = ParseAttrs(nested.data, nested.len, IPVS_DEST_ATTR_MAX);
  uint16_t af = a[IPVS_DEST_ATTR_ADDR_FAMILY].data ? a[IPVS_DEST_ATTR_ADDR_FAMILY].u16() : svc_af;
  ReadAddr(a[IPVS_DEST_ATTR_ADDR], af, &d->addr);
  d->port = ntohs(a[IPVS_DEST_ATTR_PORT].u16());
  d->conn_flags = a[IPVS_DEST_ATTR_FWD_METHOD].u32();
  d->weight = a[IPVS_DEST_ATTR_WEIGHT].u32();
  d->u_threshold = a[IPVS_DEST_ATTR_U_THRESH].u32();
  d->l_threshold = a[IPVS_DEST_ATTR_L_THRESH].u32();
  d->active_conns = a[IPVS_DEST_ATTR_ACTIVE_CONNS].u32();
  d->inact_conns = a[IPVS_DEST_ATTR_INACT_CONNS].u32();
  d->persist_conns = a[IPVS_DEST_ATTR_PERSIST_CONNS].u32();
  d->tun_type = a[IPVS_DEST_ATTR_TUN_TYPE].u8();
  d->tun_port = ntohs(a[IPVS_DEST_ATTR_TUN_PORT].u16());
  d->tun_flags = a[IPVS_DEST_ATTR_TUN_FLAGS].u16();
  if (a[IPVS_DEST_ATTR_STATS64].data) ReadStats(a[IPVS_DEST_ATTR_STATS64], true, &d->stats);
  else ReadStats(a[IPVS_DEST_ATTR_STATS], false, &d->stats);
  return true;
}

}  // namespace

bool Ipvs::Open(NetlinkError* error) {
  if (!sock_.Open(error)) return false;
  family_ = sock_.ResolveFamily(IPVS_GENL_NAME, error);
  if (family_ == 0) {
    if (error->err == ENOENT) error->what = "the kernel has no IPVS generic netlink family (is the ip_vs module loaded?)";
    return false;
  }
  return true;
}

bool Ipvs::List(std::vector<ServiceWithDests>* out, NetlinkError* error) {
  out->clear();
  Message services(family_, IPVS_CMD_GET_SERVICE, IPVS_GENL_VERSION, NLM_F_REQUEST | NLM_F_DUMP);
  bool ok = sock_.Dump(services, [&](uint8_t, const uint8_t* p, size_t n) {
    ServiceWithDests s;
    if (ReadService(p, n, &s.service)) out->push_back(std::move(s));
  }, error);
  if (!ok) { error->what = "dump services"; return false; }
  for (auto& s : *out) {
    Message dests(family_, IPVS_CMD_GET_DEST, IPVS_GENL_VERSION, NLM_F_REQUEST | NLM_F_DUMP);
    PutService(dests, s.service, false);
    ok = sock_.Dump(dests, [&](uint8_t, const uint8_t* p, size_t n) {
      Destination d;
      if (ReadDest(p, n, s.service.key.af, &d)) s.dests.push_back(d);
    }, error);
    // A service deleted between the two dumps reads as having no destinations.
    if (!ok && error->err != ESRCH) { error->what = "dump destinations"; return false; }
  }
  return true;
}

namespace {
Message RequestOf(uint16_t family, const Op& op, uint16_t flags) {
  uint8_t cmd = 0;
  bool full_service = false, with_dest = false, full_dest = false;
  switch (op.kind) {
    case OpKind::kAddService: cmd = IPVS_CMD_NEW_SERVICE; full_service = true; break;
    case OpKind::kEditService: cmd = IPVS_CMD_SET_SERVICE; full_service = true; break;
    case OpKind::kDeleteService: cmd = IPVS_CMD_DEL_SERVICE; break;
    case OpKind::kAddDest: cmd = IPVS_CMD_NEW_DEST; with_dest = full_dest = true; break;
    case OpKind::kEditDest: cmd = IPVS_CMD_SET_DEST; with_dest = full_dest = true; break;
    case OpKind::kDeleteDest: cmd = IPVS_CMD_DEL_DEST; with_dest = true; break;
  }
  Message m(family, cmd, IPVS_GENL_VERSION, flags);
  PutService(m, op.service, full_service);
  if (with_dest) PutDest(m, op.dest, full_dest);
  return m;
}
}  // namespace

bool Ipvs::Apply(const std::vector<Op>& ops, size_t* failed_at, NetlinkError* error) {
  for (size_t i = 0; i < ops.size(); i++) {
    Message m = RequestOf(family_, ops[i], NLM_F_REQUEST | NLM_F_ACK);
    if (!sock_.Request(m, error)) {
      *failed_at = i;
      return false;
    }
  }
  *failed_at = ops.size();
  return true;
}

bool Ipvs::ApplyAll(const std::vector<Op>& ops, std::vector<std::pair<size_t, int>>* failures, NetlinkError* error) {
  std::vector<Message> msgs;
  msgs.reserve(ops.size());
  for (const Op& op : ops) msgs.push_back(RequestOf(family_, op, NLM_F_REQUEST));
  return sock_.Batch(msgs, failures, error);
}

}  // namespace tierlb
