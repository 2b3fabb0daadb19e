// The service manager's readiness protocol (sd_notify), which Node.js cannot
// speak: it needs a unix datagram socket.
#pragma once

#include <napi.h>

namespace tierlb {

// Adds sdNotify(socket, text) to the exports.
void ExportSdNotify(Napi::Env env, Napi::Object exports);

}  // namespace tierlb
