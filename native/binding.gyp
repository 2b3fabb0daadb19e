{
  "targets": [
    {
      "target_name": "ipvs_netlink",
      "sources": ["src/addon.cc", "src/ipvs.cc", "src/netlink.cc", "src/marked-socket.cc", "src/sd-notify.cc", "src/sync-daemon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers"]
    }
  ]
}
