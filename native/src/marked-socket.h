// TCP sockets that carry a firewall mark (SO_MARK), which Node.js cannot set:
// an L4 node's health checks through the IPIP tunnel are steered by IPVS
// firewall-mark services, so the mark must be on the socket before connect.
#pragma once

#include <napi.h>

namespace tierlb {

// Adds markedTcpSocket(family, mark) and socketMark(fd) to the exports.
void ExportMarkedSocket(Napi::Env env, Napi::Object exports);

}  // namespace tierlb
