// markedTcpSocket(family, mark) → fd: a non-blocking, close-on-exec TCP
// socket with SO_MARK set, not yet bound or connected; Node.js wraps it in a
// net.Socket and connects it, and the mark stays with the fd. socketMark(fd)
// reads the mark back, so a test can tell a skipped setsockopt from a
// working one.
#include "marked-socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace tierlb {
namespace {

Napi::Error SystemError(Napi::Env env, const std::string& step, int err) {
  auto e = Napi::Error::New(env, step + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

// Argument i as an integer in [min, max], or a TypeError naming it.
uint32_t IntegerArg(const Napi::CallbackInfo& info, size_t i, uint32_t min, uint32_t max, const std::string& what) {
  double v = info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= min && v <= max) || v != double(uint32_t(v)))
    throw Napi::TypeError::New(info.Env(), what + ": expected an integer " + std::to_string(min) + ".." + std::to_string(max));
  return uint32_t(v);
}

Napi::Value MarkedTcpSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double family = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  if (family != 4 && family != 6) throw Napi::TypeError::New(env, "markedTcpSocket family: expected 4 or 6");
  uint32_t mark = IntegerArg(info, 1, 1, 0xffffffffu, "markedTcpSocket mark");
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw SystemError(env, "socket", errno);
  if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
    int err = errno;
    close(fd);
    throw SystemError(env, "setsockopt SO_MARK", err);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value SocketMark(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = int(IntegerArg(info, 0, 0, 0x7fffffff, "socketMark fd"));
  uint32_t mark = 0;
  socklen_t len = sizeof mark;
  if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len) != 0) throw SystemError(env, "getsockopt SO_MARK", errno);
  return Napi::Number::New(env, mark);
}

}  // namespace

void ExportMarkedSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("markedTcpSocket", Napi::Function::New(env, MarkedTcpSocket, "markedTcpSocket"));
  exports.Set("socketMark", Napi::Function::New(env, SocketMark, "socketMark"));
}

}  // namespace tierlb
