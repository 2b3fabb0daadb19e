// A blocking generic-netlink socket: build messages with (nested)
// attributes, send one request and collect its acknowledgement or its whole
// dump. No libnl: the protocol is small, and the addon then depends on
// nothing but the kernel headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tierlb {

// One attribute read back from the kernel: type without the nested/byte-order
// bits, and a view into the receive buffer (valid during the callback only).
struct Attr {
  uint16_t type;
  const uint8_t* data;
  size_t len;

  uint8_t u8() const;
  uint16_t u16() const;
  uint32_t u32() const;
  uint64_t u64() const;
  std::string str() const;
};

// Attributes of a payload by type; absent ones have data == nullptr.
std::vector<Attr> ParseAttrs(const uint8_t* data, size_t len, uint16_t max_type);

// A netlink request under construction: header, genl header, attributes.
class Message {
 public:
  Message(uint16_t family, uint8_t cmd, uint8_t version, uint16_t flags);
  void Put(uint16_t type, const void* data, size_t len);
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, sizeof v); }
  void PutU16(uint16_t type, uint16_t v) { Put(type, &v, sizeof v); }
  void PutU32(uint16_t type, uint32_t v) { Put(type, &v, sizeof v); }
  void PutString(uint16_t type, const std::string& s) { Put(type, s.c_str(), s.size() + 1); }
  // Returns the offset to hand to EndNested once the nested attributes are in.
  size_t BeginNested(uint16_t type);
  void EndNested(size_t start);
  // Fills in the length and sequence number; the bytes to send.
  const std::vector<uint8_t>& Finish(uint32_t seq);
  void AddFlags(uint16_t flags);
  size_t size() const { return buf_.size(); }

 private:
  std::vector<uint8_t> buf_;
};

// Failure of a request: the kernel's errno (positive), or the errno of a
// failed system call, with what was being done.
struct NetlinkError {
  int err = 0;
  std::string what;
};

class GenlSocket {
 public:
  GenlSocket() = default;
  ~GenlSocket();
  GenlSocket(const GenlSocket&) = delete;
  GenlSocket& operator=(const GenlSocket&) = delete;

  // Opens the socket; false with *error set on failure.
  bool Open(NetlinkError* error);
  // The id of a generic-netlink family by name (CTRL_CMD_GETFAMILY), 0 on failure.
  uint16_t ResolveFamily(const std::string& name, NetlinkError* error);
  // Sends one request with NLM_F_ACK and waits for its acknowledgement.
  bool Request(Message& msg, NetlinkError* error);
  // Sends one NLM_F_DUMP request; calls on_msg for every reply message's
  // genl payload (after the genl header) until NLMSG_DONE.
  bool Dump(Message& msg, const std::function<void(uint8_t cmd, const uint8_t*, size_t)>& on_msg,
            NetlinkError* error);
  // Sends the requests packed several to a datagram, acknowledged only at
  // the end of each datagram, so a long batch costs a few system calls. The
  // kernel runs every request of a datagram even after one fails; each
  // failure comes back as (index, errno). false only when the socket fails.
  bool Batch(std::vector<Message>& msgs, std::vector<std::pair<size_t, int>>* failures, NetlinkError* error);

 private:
  bool Send(Message& msg, uint32_t* seq, NetlinkError* error);
  int fd_ = -1;
  uint32_t seq_ = 0;
  uint32_t port_id_ = 0;
  std::vector<uint8_t> rx_;
  std::vector<uint8_t> rx_many_;  // recvmmsg buffers, allocated on the first dump
};

}  // namespace tierlb
