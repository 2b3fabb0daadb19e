// Node.js face of the IPVS netlink client: `new Ipvs()` opens a socket;
// `list()` and `apply(ops)` run on a worker thread and return promises, so
// the agent's event loop keeps answering while the kernel works. The
// TypeScript wrapper (tiers/l4/ipvs-netlink.ts) serialises calls per handle
// and turns failures into typed errors.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <napi.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ipvs.h"

namespace tierlb {
namespace {

std::string AddressText(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.af, a.bytes, buf, sizeof buf);
  return buf;
}

bool ParseAddress(const std::string& text, Address* out) {
  if (inet_pton(AF_INET, text.c_str(), out->bytes) == 1) { out->af = AF_INET; return true; }
  if (inet_pton(AF_INET6, text.c_str(), out->bytes) == 1) { out->af = AF_INET6; return true; }
  return false;
}

Napi::Object StatsObject(Napi::Env env, const Stats& s) {
  auto o = Napi::Object::New(env);
  // Numbers, not BigInts: exact below 2^53 (8 PiB), far beyond a counter's life here.
  o.Set("conns", double(s.conns));
  o.Set("inPackets", double(s.inpkts));
  o.Set("outPackets", double(s.outpkts));
  o.Set("inBytes", double(s.inbytes));
  o.Set("outBytes", double(s.outbytes));
  o.Set("cps", double(s.cps));
  o.Set("inPps", double(s.inpps));
  o.Set("outPps", double(s.outpps));
  o.Set("inBps", double(s.inbps));
  o.Set("outBps", double(s.outbps));
  return o;
}

Napi::Object ServiceObject(Napi::Env env, const ServiceWithDests& sd) {
  const Service& s = sd.service;
  auto o = Napi::Object::New(env);
  o.Set("family", s.key.af == AF_INET6 ? 6 : 4);
  o.Set("protocol", s.key.protocol);
  o.Set("fwmark", s.key.fwmark);
  o.Set("address", s.key.fwmark != 0 ? std::string() : AddressText(s.key.addr));
  o.Set("port", s.key.port);
  o.Set("scheduler", s.scheduler);
  o.Set("pe", s.pe_name);
  o.Set("flags", s.flags);
  o.Set("timeout", s.timeout);
  o.Set("netmask", s.netmask);
  o.Set("stats", StatsObject(env, s.stats));
  auto dests = Napi::Array::New(env, sd.dests.size());
  for (size_t i = 0; i < sd.dests.size(); i++) {
    const Destination& d = sd.dests[i];
    auto x = Napi::Object::New(env);
    x.Set("family", d.addr.af == AF_INET6 ? 6 : 4);
    x.Set("address", AddressText(d.addr));
    x.Set("port", d.port);
    x.Set("connFlags", d.conn_flags);
    x.Set("weight", d.weight);
    x.Set("upperThreshold", d.u_threshold);
    x.Set("lowerThreshold", d.l_threshold);
    x.Set("activeConns", d.active_conns);
    x.Set("inactiveConns", d.inact_conns);
    x.Set("persistentConns", d.persist_conns);
    x.Set("tunType", d.tun_type);
    x.Set("tunPort", d.tun_port);
    x.Set("tunFlags", d.tun_flags);
    x.Set("stats", StatsObject(env, d.stats));
    dests.Set(uint32_t(i), x);
  }
  o.Set("destinations", dests);
  return o;
}

// Reads a non-negative integer field; absent gives dflt; anything else throws.
uint32_t U32(const Napi::Object& o, const char* key, uint32_t dflt, uint32_t max, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return dflt;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), where + "." + key + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || d != double(uint32_t(d)))
    throw Napi::TypeError::New(o.Env(), where + "." + key + ": expected an integer 0.." + std::to_string(max) + ", got " + v.ToString().Utf8Value());
  return uint32_t(d);
}

std::string Str(const Napi::Object& o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return "";
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), where + "." + key + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

Service ParseService(const Napi::Object& o, const std::string& where) {
  Service s;
  s.key.fwmark = U32(o, "fwmark", 0, 0xffffffffu, where);
  uint32_t family = U32(o, "family", 4, 6, where);
  if (s.key.fwmark == 0) {
    std::string addr = Str(o, "address", where);
    if (!ParseAddress(addr, &s.key.addr))
      throw Napi::TypeError::New(o.Env(), where + ".address: expected an IPv4 or IPv6 address, got \"" + addr + "\"");
    s.key.af = s.key.addr.af;
    s.key.protocol = uint16_t(U32(o, "protocol", 0, 255, where));
    s.key.port = uint16_t(U32(o, "port", 0, 65535, where));
  } else {
    s.key.af = family == 6 ? AF_INET6 : AF_INET;
    s.key.addr.af = s.key.af;
  }
  s.scheduler = Str(o, "scheduler", where);
  if (s.scheduler.size() >= IP_VS_SCHEDNAME_MAXLEN)
    throw Napi::TypeError::New(o.Env(), where + ".scheduler: expected at most 15 characters");
  s.pe_name = Str(o, "pe", where);
  s.flags = U32(o, "flags", 0, 0xffffffffu, where);
  s.timeout = U32(o, "timeout", 0, 0xffffffffu, where);
  s.netmask = U32(o, "netmask", s.key.af == AF_INET6 ? 128 : 0xffffffffu, 0xffffffffu, where);
  return s;
}

Destination ParseDest(const Napi::Object& o, const std::string& where) {
  Destination d;
  std::string addr = Str(o, "address", where);
  if (!ParseAddress(addr, &d.addr))
    throw Napi::TypeError::New(o.Env(), where + ".address: expected an IPv4 or IPv6 address, got \"" + addr + "\"");
  d.port = uint16_t(U32(o, "port", 0, 65535, where));
  d.conn_flags = U32(o, "connFlags", IP_VS_CONN_F_TUNNEL, 0xffffffffu, where);
  d.weight = U32(o, "weight", 1, 0x7fffffffu, where);
  d.u_threshold = U32(o, "upperThreshold", 0, 0xffffffffu, where);
  d.l_threshold = U32(o, "lowerThreshold", 0, 0xffffffffu, where);
  d.tun_type = uint8_t(U32(o, "tunType", IP_VS_CONN_F_TUNNEL_TYPE_IPIP, 255, where));
  d.tun_port = uint16_t(U32(o, "tunPort", 0, 65535, where));
  d.tun_flags = uint16_t(U32(o, "tunFlags", 0, 65535, where));
  return d;
}

Op ParseOp(const Napi::Value& v, size_t index) {
  std::string where = "ops[" + std::to_string(index) + "]";
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), where + ": expected an object");
  auto o = v.As<Napi::Object>();
  std::string kind = Str(o, "kind", where);
  Op op{};
  if (kind == "add-service") op.kind = OpKind::kAddService;
  else if (kind == "edit-service") op.kind = OpKind::kEditService;
  else if (kind == "delete-service") op.kind = OpKind::kDeleteService;
  else if (kind == "add-destination") op.kind = OpKind::kAddDest;
  else if (kind == "edit-destination") op.kind = OpKind::kEditDest;
  else if (kind == "delete-destination") op.kind = OpKind::kDeleteDest;
  else throw Napi::TypeError::New(v.Env(), where + ".kind: expected add-, edit- or delete-service or -destination, got \"" + kind + "\"");
  Napi::Value svc = o.Get("service");
  if (!svc.IsObject()) throw Napi::TypeError::New(v.Env(), where + ".service: expected an object");
  op.service = ParseService(svc.As<Napi::Object>(), where + ".service");
  if (op.kind == OpKind::kAddDest || op.kind == OpKind::kEditDest || op.kind == OpKind::kDeleteDest) {
    Napi::Value dest = o.Get("destination");
    if (!dest.IsObject()) throw Napi::TypeError::New(v.Env(), where + ".destination: expected an object");
    op.dest = ParseDest(dest.As<Napi::Object>(), where + ".destination");
  }
  return op;
}

// One netlink socket per handle; the mutex keeps two workers off it at once
// even if a caller does not wait for the previous promise.
struct Shared {
  Ipvs ipvs;
  std::mutex mu;
};

Napi::Object ErrorInfo(Napi::Env env, const NetlinkError& e) {
  auto o = Napi::Object::New(env);
  o.Set("errno", e.err);
  o.Set("what", e.what);
  return o;
}

class ListWorker : public Napi::AsyncWorker {
 public:
  ListWorker(Napi::Env env, std::shared_ptr<Shared> shared)
      : Napi::AsyncWorker(env), shared_(std::move(shared)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    ok_ = shared_->ipvs.List(&out_, &error_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    auto result = Napi::Object::New(env);
    if (!ok_) {
      result.Set("error", ErrorInfo(env, error_));
    } else {
      auto arr = Napi::Array::New(env, out_.size());
      for (size_t i = 0; i < out_.size(); i++) arr.Set(uint32_t(i), ServiceObject(env, out_[i]));
      result.Set("services", arr);
    }
    deferred_.Resolve(result);
  }

 private:
  std::shared_ptr<Shared> shared_;
  Napi::Promise::Deferred deferred_;
  std::vector<ServiceWithDests> out_;
  NetlinkError error_;
  bool ok_ = false;
};

class ApplyWorker : public Napi::AsyncWorker {
 public:
  ApplyWorker(Napi::Env env, std::shared_ptr<Shared> shared, std::vector<Op> ops)
      : Napi::AsyncWorker(env), shared_(std::move(shared)), ops_(std::move(ops)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    ok_ = shared_->ipvs.Apply(ops_, &done_, &error_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    auto result = Napi::Object::New(env);
    result.Set("done", double(done_));
    if (!ok_) result.Set("error", ErrorInfo(env, error_));
    deferred_.Resolve(result);
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::vector<Op> ops_;
  Napi::Promise::Deferred deferred_;
  size_t done_ = 0;
  NetlinkError error_;
  bool ok_ = false;
};

class IpvsHandle : public Napi::ObjectWrap<IpvsHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Ipvs", {
      InstanceMethod("list", &IpvsHandle::List),
      InstanceMethod("apply", &IpvsHandle::Apply),
    });
  }

  // Opening is synchronous: one socket and one family lookup.
  explicit IpvsHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IpvsHandle>(info), shared_(std::make_shared<Shared>()) {
    NetlinkError e;
    if (!shared_->ipvs.Open(&e)) {
      auto err = Napi::Error::New(info.Env(), e.what + ": " + strerror(e.err));
      err.Set("errno", Napi::Number::New(info.Env(), e.err));
      throw err;
    }
  }

 private:
  Napi::Value List(const Napi::CallbackInfo& info) {
    auto* w = new ListWorker(info.Env(), shared_);
    auto p = w->Promise();
    w->Queue();
    return p;
  }

  Napi::Value Apply(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "apply: expected an array of operations");
    auto arr = info[0].As<Napi::Array>();
    std::vector<Op> ops;
    ops.reserve(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) ops.push_back(ParseOp(arr.Get(i), i));
    auto* w = new ApplyWorker(info.Env(), shared_, std::move(ops));
    auto p = w->Promise();
    w->Queue();
    return p;
  }

  std::shared_ptr<Shared> shared_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Ipvs", IpvsHandle::Define(env));
  return exports;
}

}  // namespace
}  // namespace tierlb

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tierlb::Init(env, exports); }
NODE_API_MODULE(ipvs_netlink, InitModule)
