// The kernel's IPVS connection-sync daemons (IPVS_CMD_NEW_DAEMON,
// IPVS_CMD_DEL_DAEMON, IPVS_CMD_GET_DAEMON): what `ipvsadm --start-daemon`,
// `--stop-daemon` and `-L --daemon` do, over the same generic-netlink family.
#pragma once

#include <napi.h>

namespace tierlb {

// Adds syncDaemons(), startSyncDaemon(spec) and stopSyncDaemon(state) to the exports.
void ExportSyncDaemon(Napi::Env env, Napi::Object exports);

}  // namespace tierlb
