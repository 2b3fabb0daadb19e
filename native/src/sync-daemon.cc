// syncDaemons() → [{ state, interface, syncId, maxlen, group, port, ttl }]:
// the daemons the kernel runs in this network namespace (at most a master
// and a backup). startSyncDaemon({ state, interface, syncId, group, port,
// ttl, maxlen? }) and stopSyncDaemon(state) start and stop one. They run on
// the JS thread: a handful of calls when the site changes, each one
// request on a socket of its own, so no handle is kept. A refusal throws an
// Error with `errno` (the kernel's: ENODEV for an unknown device, EEXIST
// for a daemon already running, ESRCH for none to stop) and `step`.
#include "sync-daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <string.h>

#include <string>
#include <vector>

#include "netlink.h"

namespace tierlb {
namespace {

struct DaemonSpec {
  uint32_t state = 0;  // IP_VS_STATE_MASTER or IP_VS_STATE_BACKUP
  std::string ifname;
  uint32_t sync_id = 0;
  uint16_t maxlen = 0;  // 0: the kernel's default
  int af = AF_INET;
  uint8_t group[16] = {};
  uint16_t port = 0;  // host order, as the kernel takes it
  uint8_t ttl = 0;
};

Napi::Error Failure(Napi::Env env, const std::string& step, const NetlinkError& e) {
  auto err = Napi::Error::New(env, step + ": " + (e.what == "kernel" ? std::string() : e.what + ": ") + strerror(e.err));
  err.Set("errno", Napi::Number::New(env, e.err));
  err.Set("step", Napi::String::New(env, step));
  return err;
}

// Opens a socket and resolves the IPVS family, or throws.
uint16_t OpenIpvs(Napi::Env env, GenlSocket* sock, const std::string& step) {
  NetlinkError e;
  if (!sock->Open(&e)) throw Failure(env, step, e);
  uint16_t family = sock->ResolveFamily(IPVS_GENL_NAME, &e);
  if (family == 0) {
    if (e.err == ENOENT) e.what = "the kernel has no IPVS generic netlink family (is the ip_vs module loaded?)";
    throw Failure(env, step, e);
  }
  return family;
}

const char* StateName(uint32_t state) { return state == IP_VS_STATE_MASTER ? "master" : "backup"; }

uint32_t StateArg(Napi::Env env, const Napi::Value& v) {
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (s == "master") return IP_VS_STATE_MASTER;
  if (s == "backup") return IP_VS_STATE_BACKUP;
  throw Napi::TypeError::New(env, "state: expected \"master\" or \"backup\", got \"" + s + "\"");
}

uint32_t IntField(Napi::Env env, const Napi::Object& o, const char* name, uint32_t min, uint32_t max) {
  Napi::Value v = o.Get(name);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= min && d <= max) || d != double(uint32_t(d)))
    throw Napi::TypeError::New(env, std::string(name) + ": expected an integer " + std::to_string(min) + ".." + std::to_string(max));
  return uint32_t(d);
}

DaemonSpec ParseSpec(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "startSyncDaemon: expected an object");
  auto o = info[0].As<Napi::Object>();
  DaemonSpec d;
  d.state = StateArg(env, o.Get("state"));
  Napi::Value ifn = o.Get("interface");
  d.ifname = ifn.IsString() ? ifn.As<Napi::String>().Utf8Value() : std::string();
  if (d.ifname.empty() || d.ifname.size() >= IP_VS_IFNAME_MAXLEN)
    throw Napi::TypeError::New(env, "interface: expected 1.." + std::to_string(IP_VS_IFNAME_MAXLEN - 1) + " characters");
  d.sync_id = IntField(env, o, "syncId", 0, 255);
  d.port = uint16_t(IntField(env, o, "port", 1, 65535));
  d.ttl = uint8_t(IntField(env, o, "ttl", 1, 255));
  if (!o.Get("maxlen").IsUndefined()) d.maxlen = uint16_t(IntField(env, o, "maxlen", 1, 65535));
  Napi::Value g = o.Get("group");
  std::string group = g.IsString() ? g.As<Napi::String>().Utf8Value() : std::string();
  if (inet_pton(AF_INET, group.c_str(), d.group) == 1) d.af = AF_INET;
  else if (inet_pton(AF_INET6, group.c_str(), d.group) == 1) d.af = AF_INET6;
  else throw Napi::TypeError::New(env, "group: expected an IPv4 or IPv6 address, got \"" + group + "\"");
  return d;
}

Napi::Value StartSyncDaemon(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DaemonSpec d = ParseSpec(info);
  std::string step = std::string("start ") + StateName(d.state) + " sync daemon on " + d.ifname;
  GenlSocket sock;
  uint16_t family = OpenIpvs(env, &sock, step);
  Message m(family, IPVS_CMD_NEW_DAEMON, IPVS_GENL_VERSION, NLM_F_REQUEST | NLM_F_ACK);
  size_t nest = m.BeginNested(IPVS_CMD_ATTR_DAEMON);
  m.PutU32(IPVS_DAEMON_ATTR_STATE, d.state);
  m.PutString(IPVS_DAEMON_ATTR_MCAST_IFN, d.ifname);
  m.PutU32(IPVS_DAEMON_ATTR_SYNC_ID, d.sync_id);
  if (d.maxlen != 0) m.PutU16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.maxlen);
  if (d.af == AF_INET) m.Put(IPVS_DAEMON_ATTR_MCAST_GROUP, d.group, 4);
  else m.Put(IPVS_DAEMON_ATTR_MCAST_GROUP6, d.group, 16);
  m.PutU16(IPVS_DAEMON_ATTR_MCAST_PORT, d.port);
  m.PutU8(IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl);
  m.EndNested(nest);
  NetlinkError e;
  if (!sock.Request(m, &e)) throw Failure(env, step, e);
  return env.Undefined();
}

Napi::Value StopSyncDaemon(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t state = StateArg(env, info.Length() > 0 ? info[0] : env.Undefined());
  std::string step = std::string("stop ") + StateName(state) + " sync daemon";
  GenlSocket sock;
  uint16_t family = OpenIpvs(env, &sock, step);
  Message m(family, IPVS_CMD_DEL_DAEMON, IPVS_GENL_VERSION, NLM_F_REQUEST | NLM_F_ACK);
  size_t nest = m.BeginNested(IPVS_CMD_ATTR_DAEMON);
  m.PutU32(IPVS_DAEMON_ATTR_STATE, state);
  m.EndNested(nest);
  NetlinkError e;
  if (!sock.Request(m, &e)) throw Failure(env, step, e);
  return env.Undefined();
}

std::string GroupText(const Attr& v4, const Attr& v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v6.data != nullptr && v6.len >= 16) inet_ntop(AF_INET6, v6.data, buf, sizeof buf);
  else if (v4.data != nullptr && v4.len >= 4) inet_ntop(AF_INET, v4.data, buf, sizeof buf);
  return buf;
}

Napi::Value SyncDaemons(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string step = "list sync daemons";
  GenlSocket sock;
  uint16_t family = OpenIpvs(env, &sock, step);
  Message m(family, IPVS_CMD_GET_DAEMON, IPVS_GENL_VERSION, NLM_F_REQUEST | NLM_F_DUMP);
  auto out = Napi::Array::New(env);
  uint32_t n = 0;
  NetlinkError e;
  bool ok = sock.Dump(m, [&](uint8_t, const uint8_t* p, size_t len) {
    auto top = ParseAttrs(p, len, IPVS_CMD_ATTR_MAX);
    const Attr& nested = top[IPVS_CMD_ATTR_DAEMON];
    if (nested.data == nullptr) return;
    auto a = ParseAttrs(nested.data, nested.len, IPVS_DAEMON_ATTR_MAX);
    auto o = Napi::Object::New(env);
    o.Set("state", StateName(a[IPVS_DAEMON_ATTR_STATE].u32()));
    o.Set("interface", a[IPVS_DAEMON_ATTR_MCAST_IFN].str());
    o.Set("syncId", a[IPVS_DAEMON_ATTR_SYNC_ID].u32());
    // Kernels before 4.9 report only the three above.
    if (a[IPVS_DAEMON_ATTR_SYNC_MAXLEN].data) o.Set("maxlen", a[IPVS_DAEMON_ATTR_SYNC_MAXLEN].u16());
    if (a[IPVS_DAEMON_ATTR_MCAST_PORT].data) o.Set("port", a[IPVS_DAEMON_ATTR_MCAST_PORT].u16());
    if (a[IPVS_DAEMON_ATTR_MCAST_TTL].data) o.Set("ttl", a[IPVS_DAEMON_ATTR_MCAST_TTL].u8());
    std::string group = GroupText(a[IPVS_DAEMON_ATTR_MCAST_GROUP], a[IPVS_DAEMON_ATTR_MCAST_GROUP6]);
    if (!group.empty()) o.Set("group", group);
    out.Set(n++, o);
  }, &e);
  if (!ok) throw Failure(env, step, e);
  return out;
}

}  // namespace

void ExportSyncDaemon(Napi::Env env, Napi::Object exports) {
  exports.Set("syncDaemons", Napi::Function::New(env, SyncDaemons, "syncDaemons"));
  exports.Set("startSyncDaemon", Napi::Function::New(env, StartSyncDaemon, "startSyncDaemon"));
  exports.Set("stopSyncDaemon", Napi::Function::New(env, StopSyncDaemon, "stopSyncDaemon"));
}

}  // namespace tierlb
