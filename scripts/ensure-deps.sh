#!/usr/bin/env bash
# Installs what tierlb's tests and lab need when it is missing: Debian
# packages of the daemons, then npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(bird2 gobgpd haproxy gdnsd ipvsadm user-mode-linux kmod iproute2 curl dnsutils)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "tierlb: missing Debian packages: ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "tierlb: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages enable their daemons; tierlb runs them itself.
  for unit in bird gobgpd haproxy gdnsd; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "tierlb: installing npm dependencies"
  # npm install, not npm ci: the lockfile npm writes here lists only this
  # platform's optional packages, which npm ci refuses; install keeps the
  # locked versions all the same.
  npm install --no-audit --no-fund
fi
