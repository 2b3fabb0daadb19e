#include "netlink.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace tierlb {

namespace {
constexpr size_t kRxSize = 1 << 16;  // a dump skb is at most 32 KiB; room to spare
constexpr int kRcvBuf = 4 << 20;
inline size_t Align(size_t n) { return NLA_ALIGN(n); }
}  // namespace

uint8_t Attr::u8() const { return len >= 1 ? data[0] : 0; }
uint16_t Attr::u16() const { uint16_t v = 0; if (len >= sizeof v) memcpy(&v, data, sizeof v); return v; }
uint32_t Attr::u32() const { uint32_t v = 0; if (len >= sizeof v) memcpy(&v, data, sizeof v); return v; }
uint64_t Attr::u64() const { uint64_t v = 0; if (len >= sizeof v) memcpy(&v, data, sizeof v); return v; }
std::string Attr::str() const {
  if (data == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(data), strnlen(reinterpret_cast<const char*>(data), len));
}

std::vector<Attr> ParseAttrs(const uint8_t* data, size_t len, uint16_t max_type) {
  std::vector<Attr> out(max_type + 1, Attr{0, nullptr, 0});
  size_t off = 0;
  while (off + NLA_HDRLEN <= len) {
    nlattr a;
    memcpy(&a, data + off, sizeof a);
    if (a.nla_len < NLA_HDRLEN || off + a.nla_len > len) break;  // malformed: stop, keep what was read
    uint16_t type = a.nla_type & NLA_TYPE_MASK;
    if (type <= max_type) out[type] = Attr{type, data + off + NLA_HDRLEN, size_t(a.nla_len) - NLA_HDRLEN};
    off += Align(a.nla_len);
  }
  return out;
}

Message::Message(uint16_t family, uint8_t cmd, uint8_t version, uint16_t flags) {
  buf_.reserve(512);  // a request with a service and a destination fits
  buf_.assign(NLMSG_HDRLEN + GENL_HDRLEN, 0);
  nlmsghdr nh{};
  nh.nlmsg_type = family;
  nh.nlmsg_flags = flags;
  memcpy(buf_.data(), &nh, sizeof nh);
  genlmsghdr gh{};
  gh.cmd = cmd;
  gh.version = version;
  memcpy(buf_.data() + NLMSG_HDRLEN, &gh, sizeof gh);
}

void Message::Put(uint16_t type, const void* data, size_t len) {
  size_t start = buf_.size();
  buf_.resize(start + Align(NLA_HDRLEN + len), 0);
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  memcpy(buf_.data() + start, &a, sizeof a);
  if (len > 0) memcpy(buf_.data() + start + NLA_HDRLEN, data, len);
}

size_t Message::BeginNested(uint16_t type) {
  size_t start = buf_.size();
  Put(type | NLA_F_NESTED, nullptr, 0);
  return start;
}

void Message::EndNested(size_t start) {
  nlattr a;
  memcpy(&a, buf_.data() + start, sizeof a);
  a.nla_len = static_cast<uint16_t>(buf_.size() - start);
  memcpy(buf_.data() + start, &a, sizeof a);
}

const std::vector<uint8_t>& Message::Finish(uint32_t seq) {
  nlmsghdr nh;
  memcpy(&nh, buf_.data(), sizeof nh);
  nh.nlmsg_len = static_cast<uint32_t>(buf_.size());
  nh.nlmsg_seq = seq;
  memcpy(buf_.data(), &nh, sizeof nh);
  return buf_;
}

void Message::AddFlags(uint16_t flags) {
  nlmsghdr nh;
  memcpy(&nh, buf_.data(), sizeof nh);
  nh.nlmsg_flags |= flags;
  memcpy(buf_.data(), &nh, sizeof nh);
}

GenlSocket::~GenlSocket() {
  if (fd_ >= 0) close(fd_);
}

bool GenlSocket::Open(NetlinkError* error) {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd_ < 0) { *error = {errno, "socket(AF_NETLINK, NETLINK_GENERIC)"}; return false; }
  // A large receive buffer so a dump is never cut short; FORCE needs
  // CAP_NET_ADMIN, which changing IPVS needs anyway; fall back quietly.
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &kRcvBuf, sizeof kRcvBuf) != 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kRcvBuf, sizeof kRcvBuf);
  // Acknowledgements without a copy of the request: smaller replies.
  int one = 1;
  setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) { *error = {errno, "bind(netlink)"}; return false; }
  socklen_t alen = sizeof local;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &alen) != 0) { *error = {errno, "getsockname(netlink)"}; return false; }
  port_id_ = local.nl_pid;
  rx_.resize(kRxSize);
  return true;
}

bool GenlSocket::Send(Message& msg, uint32_t* seq, NetlinkError* error) {
  *seq = ++seq_;
  const auto& bytes = msg.Finish(*seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n >= 0) return true;
    if (errno == EINTR) continue;
    *error = {errno, "sendto(netlink)"};
    return false;
  }
}

namespace {
// Reads one datagram; returns its length or -1 with *error set.
ssize_t Receive(int fd, std::vector<uint8_t>& rx, NetlinkError* error) {
  for (;;) {
    ssize_t n = recv(fd, rx.data(), rx.size(), 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    *error = {errno, "recv(netlink)"};
    return -1;
  }
}
}  // namespace

bool GenlSocket::Request(Message& msg, NetlinkError* error) {
  uint32_t seq;
  if (!Send(msg, &seq, error)) return false;
  for (;;) {
    ssize_t n = Receive(fd_, rx_, error);
    if (n < 0) return false;
    for (auto* nh = reinterpret_cast<nlmsghdr*>(rx_.data()); NLMSG_OK(nh, static_cast<size_t>(n)); nh = NLMSG_NEXT(nh, n)) {
      if (nh->nlmsg_seq != seq || nh->nlmsg_pid != port_id_) continue;  // stale reply of an earlier request
      if (nh->nlmsg_type == NLMSG_ERROR) {
        auto* e = reinterpret_cast<nlmsgerr*>(NLMSG_DATA(nh));
        if (e->error == 0) return true;
        *error = {-e->error, "kernel"};
        return false;
      }
    }
  }
}

bool GenlSocket::Dump(Message& msg, const std::function<void(uint8_t, const uint8_t*, size_t)>& on_msg,
                      NetlinkError* error) {
  uint32_t seq;
  if (!Send(msg, &seq, error)) return false;
  // A dump's last part (NLMSG_DONE) is its own datagram, queued while the
  // one before it is read: recvmmsg takes both in one system call.
  constexpr unsigned kBatch = 4;
  if (rx_many_.empty()) rx_many_.resize(kBatch * kRxSize);
  for (;;) {
    mmsghdr msgs[kBatch] = {};
    iovec iov[kBatch];
    for (unsigned k = 0; k < kBatch; k++) {
      iov[k] = {rx_many_.data() + k * kRxSize, kRxSize};
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    int got = recvmmsg(fd_, msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      *error = {errno, "recvmmsg(netlink)"};
      return false;
    }
    for (int k = 0; k < got; k++) {
      ssize_t n = msgs[k].msg_len;
      auto* base = rx_many_.data() + size_t(k) * kRxSize;
      for (auto* nh = reinterpret_cast<nlmsghdr*>(base); NLMSG_OK(nh, static_cast<size_t>(n)); nh = NLMSG_NEXT(nh, n)) {
        if (nh->nlmsg_seq != seq || nh->nlmsg_pid != port_id_) continue;
        if (nh->nlmsg_type == NLMSG_DONE) return true;
        if (nh->nlmsg_type == NLMSG_ERROR) {
          auto* e = reinterpret_cast<nlmsgerr*>(NLMSG_DATA(nh));
          if (e->error == 0) return true;
          *error = {-e->error, "kernel"};
          return false;
        }
        if (nh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) continue;
        auto* gh = reinterpret_cast<const genlmsghdr*>(NLMSG_DATA(nh));
        const uint8_t* payload = reinterpret_cast<const uint8_t*>(NLMSG_DATA(nh)) + GENL_HDRLEN;
        on_msg(gh->cmd, payload, nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
      }
    }
  }
}

bool GenlSocket::Batch(std::vector<Message>& msgs, std::vector<std::pair<size_t, int>>* failures, NetlinkError* error) {
  // Well under the socket's send buffer (net.core.wmem_default, 208 KiB).
  constexpr size_t kDatagram = 32 << 10;
  std::vector<uint8_t> out;
  out.reserve(kDatagram + 1024);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  size_t i = 0;
  while (i < msgs.size()) {
    const uint32_t first_seq = seq_ + 1;
    const size_t first = i;
    out.clear();
    while (i < msgs.size() && (out.empty() || out.size() + msgs[i].size() <= kDatagram)) {
      bool last = i + 1 == msgs.size() || out.size() + msgs[i].size() + msgs[i + 1].size() > kDatagram;
      if (last) msgs[i].AddFlags(NLM_F_ACK);
      const auto& bytes = msgs[i].Finish(++seq_);
      out.insert(out.end(), bytes.begin(), bytes.end());
      i++;
      if (last) break;
    }
    const uint32_t last_seq = seq_;
    ssize_t sent;
    do sent = sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) { *error = {errno, "sendto(netlink)"}; return false; }
    // Failures of the datagram come first, then the last request's answer.
    for (bool finished = false; !finished;) {
      ssize_t n = Receive(fd_, rx_, error);
      if (n < 0) return false;
      for (auto* nh = reinterpret_cast<nlmsghdr*>(rx_.data()); NLMSG_OK(nh, static_cast<size_t>(n)); nh = NLMSG_NEXT(nh, n)) {
        if (nh->nlmsg_type != NLMSG_ERROR || nh->nlmsg_pid != port_id_) continue;
        if (nh->nlmsg_seq < first_seq || nh->nlmsg_seq > last_seq) continue;
        auto* e = reinterpret_cast<nlmsgerr*>(NLMSG_DATA(nh));
        if (e->error != 0) failures->emplace_back(first + (nh->nlmsg_seq - first_seq), -e->error);
        if (nh->nlmsg_seq == last_seq) finished = true;
      }
    }
  }
  return true;
}

uint16_t GenlSocket::ResolveFamily(const std::string& name, NetlinkError* error) {
  Message msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_REQUEST | NLM_F_ACK);
  msg.PutString(CTRL_ATTR_FAMILY_NAME, name);
  uint32_t seq;
  if (!Send(msg, &seq, error)) return 0;
  uint16_t id = 0;
  for (;;) {
    ssize_t n = Receive(fd_, rx_, error);
    if (n < 0) return 0;
    for (auto* nh = reinterpret_cast<nlmsghdr*>(rx_.data()); NLMSG_OK(nh, static_cast<size_t>(n)); nh = NLMSG_NEXT(nh, n)) {
      if (nh->nlmsg_seq != seq) continue;
      if (nh->nlmsg_type == NLMSG_ERROR) {
        auto* e = reinterpret_cast<nlmsgerr*>(NLMSG_DATA(nh));
        if (e->error != 0) { *error = {-e->error, "resolve generic netlink family " + name}; return 0; }
        if (id == 0) *error = {ENOENT, "resolve generic netlink family " + name};
        return id;
      }
      if (nh->nlmsg_type != GENL_ID_CTRL) continue;
      const uint8_t* payload = reinterpret_cast<const uint8_t*>(NLMSG_DATA(nh)) + GENL_HDRLEN;
      auto attrs = ParseAttrs(payload, nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, CTRL_ATTR_FAMILY_ID);
      if (attrs[CTRL_ATTR_FAMILY_ID].data) id = attrs[CTRL_ATTR_FAMILY_ID].u16();
    }
  }
}

}  // namespace tierlb
