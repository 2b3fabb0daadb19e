// Node.js face of the IPVS netlink client: `new Ipvs()` opens a socket;
// `list()`, `apply(ops)` (stops at the first failure) and `applyAll(ops)`
// (packed, runs every op) run on a worker thread and return promises, so
// the agent's event loop keeps answering while the kernel works. The
// TypeScript wrapper (agent/drivers/ipvs/netlink-addon.ts) serialises calls per handle
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
#include "marked-socket.h"
#include "sd-notify.h"
#include "sync-daemon.h"

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

// Tables cross the boundary as columns of numbers plus arrays of strings,
// not as objects: a 1,000 × 50 table is two Float64Arrays and two string
// arrays instead of a million property sets. The layouts below are repeated
// in agent/drivers/ipvs/netlink-addon.ts; change both together.
constexpr size_t kSvcStride = 18;   // family protocol port fwmark flags timeout netmask ndests stats[10]
constexpr size_t kDestStride = 22;  // family port connFlags weight u l active inact persist tunType tunPort tunFlags stats[10]
constexpr size_t kOpStride = 16;    // kind family protocol port fwmark flags timeout netmask dport connFlags weight u l tunType tunPort tunFlags
constexpr size_t kOpStrings = 3;    // service address, scheduler, destination address

double* PutStats(double* p, const Stats& s) {
  for (uint64_t v : {s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes, s.cps, s.inpps, s.outpps, s.inbps, s.outbps}) *p++ = double(v);
  return p;
}

Napi::Object TableObject(Napi::Env env, const std::vector<ServiceWithDests>& table) {
  size_t ndests = 0;
  for (const auto& s : table) ndests += s.dests.size();
  auto svc = Napi::Float64Array::New(env, table.size() * kSvcStride);
  auto svc_str = Napi::Array::New(env, table.size() * 3);
  auto dest = Napi::Float64Array::New(env, ndests * kDestStride);
  auto dest_addr = Napi::Array::New(env, ndests);
  double* sp = svc.Data();
  double* dp = dest.Data();
  uint32_t si = 0, di = 0;
  for (const auto& sd : table) {
    const Service& s = sd.service;
    *sp++ = s.key.af == AF_INET6 ? 6 : 4;
    *sp++ = s.key.protocol;
    *sp++ = s.key.port;
    *sp++ = s.key.fwmark;
    *sp++ = s.flags;
    *sp++ = s.timeout;
    *sp++ = s.netmask;
    *sp++ = double(sd.dests.size());
    sp = PutStats(sp, s.stats);
    svc_str.Set(si++, s.key.fwmark != 0 ? std::string() : AddressText(s.key.addr));
    svc_str.Set(si++, s.scheduler);
    svc_str.Set(si++, s.pe_name);
    for (const Destination& d : sd.dests) {
      *dp++ = d.addr.af == AF_INET6 ? 6 : 4;
      *dp++ = d.port;
      *dp++ = d.conn_flags;
      *dp++ = d.weight;
      *dp++ = d.u_threshold;
      *dp++ = d.l_threshold;
      *dp++ = d.active_conns;
      *dp++ = d.inact_conns;
      *dp++ = d.persist_conns;
      *dp++ = d.tun_type;
      *dp++ = d.tun_port;
      *dp++ = d.tun_flags;
      dp = PutStats(dp, d.stats);
      dest_addr.Set(di++, AddressText(d.addr));
    }
  }
  auto o = Napi::Object::New(env);
  o.Set("svc", svc);
  o.Set("svcStr", svc_str);
  o.Set("dest", dest);
  o.Set("destAddr", dest_addr);
  return o;
}

// One column of an operation; anything but an integer in range throws.
uint32_t Field(Napi::Env env, const double* row, size_t k, uint32_t max, size_t index, const char* name) {
  double v = row[k];
  if (!(v >= 0 && v <= max) || v != double(uint32_t(v)))
    throw Napi::TypeError::New(env, "ops[" + std::to_string(index) + "]." + name + ": expected an integer 0.." + std::to_string(max) + ", got " + std::to_string(v));
  return uint32_t(v);
}

Address AddressField(Napi::Env env, const Napi::Array& strs, size_t at, size_t index, const char* name) {
  Napi::Value v = strs.Get(uint32_t(at));
  std::string text = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  Address a;
  if (!ParseAddress(text, &a))
    throw Napi::TypeError::New(env, "ops[" + std::to_string(index) + "]." + name + ": expected an IPv4 or IPv6 address, got \"" + text + "\"");
  return a;
}

std::vector<Op> ParseOps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array || !info[1].IsArray())
    throw Napi::TypeError::New(env, "apply: expected (Float64Array of operation columns, array of strings)");
  auto nums = info[0].As<Napi::Float64Array>();
  auto strs = info[1].As<Napi::Array>();
  size_t n = nums.ElementLength() / kOpStride;
  if (nums.ElementLength() % kOpStride != 0 || strs.Length() != n * kOpStrings)
    throw Napi::TypeError::New(env, "apply: expected " + std::to_string(kOpStride) + " numbers and " + std::to_string(kOpStrings) + " strings per operation");
  std::vector<Op> ops(n);
  for (size_t i = 0; i < n; i++) {
    const double* row = nums.Data() + i * kOpStride;
    Op& op = ops[i];
    uint32_t kind = Field(env, row, 0, 5, i, "kind");
    op.kind = static_cast<OpKind>(kind);
    ServiceKey& k = op.service.key;
    k.fwmark = Field(env, row, 4, 0xffffffffu, i, "fwmark");
    if (k.fwmark == 0) {
      k.addr = AddressField(env, strs, i * kOpStrings, i, "service.address");
      k.af = k.addr.af;
      k.protocol = uint16_t(Field(env, row, 2, 255, i, "protocol"));
      k.port = uint16_t(Field(env, row, 3, 65535, i, "port"));
    } else {
      k.af = Field(env, row, 1, 6, i, "family") == 6 ? AF_INET6 : AF_INET;
      k.addr.af = k.af;
    }
    Napi::Value sched = strs.Get(uint32_t(i * kOpStrings + 1));
    op.service.scheduler = sched.IsString() ? sched.As<Napi::String>().Utf8Value() : std::string();
    if (op.service.scheduler.size() >= IP_VS_SCHEDNAME_MAXLEN)
      throw Napi::TypeError::New(env, "ops[" + std::to_string(i) + "].scheduler: expected at most 15 characters");
    op.service.flags = Field(env, row, 5, 0xffffffffu, i, "flags");
    op.service.timeout = Field(env, row, 6, 0xffffffffu, i, "timeout");
    op.service.netmask = row[7] < 0 ? (k.af == AF_INET6 ? 128 : 0xffffffffu) : Field(env, row, 7, 0xffffffffu, i, "netmask");
    if (op.kind == OpKind::kAddDest || op.kind == OpKind::kEditDest || op.kind == OpKind::kDeleteDest) {
      Destination& d = op.dest;
      d.addr = AddressField(env, strs, i * kOpStrings + 2, i, "destination.address");
      d.port = uint16_t(Field(env, row, 8, 65535, i, "destination.port"));
      d.conn_flags = Field(env, row, 9, 0xffffffffu, i, "destination.connFlags");
      d.weight = Field(env, row, 10, 0x7fffffffu, i, "destination.weight");
      d.u_threshold = Field(env, row, 11, 0xffffffffu, i, "destination.upperThreshold");
      d.l_threshold = Field(env, row, 12, 0xffffffffu, i, "destination.lowerThreshold");
      d.tun_type = uint8_t(Field(env, row, 13, 255, i, "destination.tunType"));
      d.tun_port = uint16_t(Field(env, row, 14, 65535, i, "destination.tunPort"));
      d.tun_flags = uint16_t(Field(env, row, 15, 65535, i, "destination.tunFlags"));
    }
  }
  return ops;
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
      result.Set("table", TableObject(env, out_));
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

class ApplyAllWorker : public Napi::AsyncWorker {
 public:
  ApplyAllWorker(Napi::Env env, std::shared_ptr<Shared> shared, std::vector<Op> ops)
      : Napi::AsyncWorker(env), shared_(std::move(shared)), ops_(std::move(ops)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    std::lock_guard<std::mutex> lock(shared_->mu);
    ok_ = shared_->ipvs.ApplyAll(ops_, &failures_, &error_);
  }
  void OnOK() override {
    Napi::Env env = Env();
    auto result = Napi::Object::New(env);
    auto arr = Napi::Array::New(env, failures_.size());
    for (size_t i = 0; i < failures_.size(); i++) {
      auto f = Napi::Object::New(env);
      f.Set("index", double(failures_[i].first));
      f.Set("errno", failures_[i].second);
      arr.Set(uint32_t(i), f);
    }
    result.Set("failures", arr);
    if (!ok_) result.Set("error", ErrorInfo(env, error_));
    deferred_.Resolve(result);
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::vector<Op> ops_;
  Napi::Promise::Deferred deferred_;
  std::vector<std::pair<size_t, int>> failures_;
  NetlinkError error_;
  bool ok_ = false;
};

class IpvsHandle : public Napi::ObjectWrap<IpvsHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Ipvs", {
      InstanceMethod("list", &IpvsHandle::List),
      InstanceMethod("apply", &IpvsHandle::Apply),
      InstanceMethod("applyAll", &IpvsHandle::ApplyAll),
      InstanceMethod("applyAllSync", &IpvsHandle::ApplyAllSync),
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
    auto* w = new ApplyWorker(info.Env(), shared_, ParseOps(info));
    auto p = w->Promise();
    w->Queue();
    return p;
  }

  // On the JS thread, for a handful of operations: a round trip to the
  // kernel costs less than the two thread hand-offs of a worker.
  Napi::Value ApplyAllSync(const Napi::CallbackInfo& info) {
    std::vector<Op> ops = ParseOps(info);
    std::vector<std::pair<size_t, int>> failures;
    NetlinkError error;
    bool ok;
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      ok = shared_->ipvs.ApplyAll(ops, &failures, &error);
    }
    Napi::Env env = info.Env();
    auto result = Napi::Object::New(env);
    auto arr = Napi::Array::New(env, failures.size());
    for (size_t i = 0; i < failures.size(); i++) {
      auto f = Napi::Object::New(env);
      f.Set("index", double(failures[i].first));
      f.Set("errno", failures[i].second);
      arr.Set(uint32_t(i), f);
    }
    result.Set("failures", arr);
    if (!ok) result.Set("error", ErrorInfo(env, error));
    return result;
  }

  Napi::Value ApplyAll(const Napi::CallbackInfo& info) {
    auto* w = new ApplyAllWorker(info.Env(), shared_, ParseOps(info));
    auto p = w->Promise();
    w->Queue();
    return p;
  }

  std::shared_ptr<Shared> shared_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Ipvs", IpvsHandle::Define(env));
  ExportMarkedSocket(env, exports);
  ExportSdNotify(env, exports);
  ExportSyncDaemon(env, exports);
  return exports;
}

}  // namespace
}  // namespace tierlb

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tierlb::Init(env, exports); }
NODE_API_MODULE(ipvs_netlink, InitModule)
