// sdNotify(socket, text): one datagram with `text` to the unix socket
// `socket` as $NOTIFY_SOCKET names it: a path, or "@name" for the abstract
// namespace. The caller reads the variable (and removes it, so that the
// daemons the agent starts do not inherit it); this file only sends.
// MSG_DONTWAIT: a service manager that does not read its socket must not
// stall the agent's event loop; the caller logs the EAGAIN and goes on.
#include "sd-notify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace tierlb {
namespace {

Napi::Error SendError(Napi::Env env, const std::string& step, int err) {
  auto e = Napi::Error::New(env, "sdNotify " + step + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

// The address of `socket` and its length; an abstract name has no trailing NUL.
socklen_t NotifyAddress(Napi::Env env, const std::string& socket, sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  bool abstract = socket[0] == '@';
  if (!abstract && socket[0] != '/')
    throw Napi::TypeError::New(env, "sdNotify socket: expected an absolute path or @name, got \"" + socket + "\"");
  if (socket.size() >= sizeof addr->sun_path)
    throw Napi::TypeError::New(env, "sdNotify socket: expected at most " + std::to_string(sizeof addr->sun_path - 1) + " bytes");
  memcpy(addr->sun_path, socket.data(), socket.size());
  if (abstract) addr->sun_path[0] = '\0';
  return socklen_t(offsetof(sockaddr_un, sun_path) + socket.size() + (abstract ? 0 : 1));
}

Napi::Value SdNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString())
    throw Napi::TypeError::New(env, "sdNotify: expected (socket: string, text: string)");
  std::string socket = info[0].As<Napi::String>().Utf8Value();
  std::string text = info[1].As<Napi::String>().Utf8Value();
  if (socket.empty()) throw Napi::TypeError::New(env, "sdNotify socket: expected a path or @name, got \"\"");
  sockaddr_un addr;
  socklen_t len = NotifyAddress(env, socket, &addr);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw SendError(env, "socket", errno);
  ssize_t sent = sendto(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr), len);
  int err = errno;
  close(fd);
  if (sent < 0) throw SendError(env, "sendto " + socket, err);
  return env.Undefined();
}

}  // namespace

void ExportSdNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("sdNotify", Napi::Function::New(env, SdNotify, "sdNotify"));
}

}  // namespace tierlb
