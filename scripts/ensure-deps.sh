#!/usr/bin/env bash
# Installs what tierlb's tests and lab need when it is missing: Debian
# packages of the daemons, then npm dependencies. Safe to run again.
# `--npm-only` skips the Debian packages (for scripts that start no daemon);
# `--also PKG,PKG` installs these too (what one script alone needs).
# It needs no npm package itself: the npm scripts a fresh checkout may run
# first call it before anything from node_modules (scripts/with-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# golang-github-osrg-gobgp-dev: gobgp's .proto files, which the L4 agent loads
# at run time to speak gobgpd's gRPC API. clang, libbpf-dev: the BPF programs
# of bpf/, compiled here; bpftool loads them in tests and reads their maps.
# iptables (iptables-legacy, ip6tables-legacy: the lab kernel has no nftables
# for IPv4 and IPv6) and tcpdump: the lab's MSS clamp check drops ICMP on the
# routers and captures the SYN-ACKs the users get (lab/guest/mss.ts).
# etcd-server: the fleet state's store in the lab and the tests (etcd:);
# etcd-client: etcdctl, with which the auth test sets up etcd's users.
# dpkg-dev and lintian: `npm run package` (dpkg-shlibdeps, dpkg-buildflags)
# and the test that checks its .deb. python3: node-gyp, and the notify
# socket the service-manager tests bind (Node.js cannot bind a datagram one).
PACKAGES=(bird2 gobgpd golang-github-osrg-gobgp-dev haproxy gdnsd ipvsadm user-mode-linux kmod iproute2 curl dnsutils gcc libc6-dev clang libbpf-dev bpftool iptables tcpdump etcd-server etcd-client dpkg-dev lintian python3)
if [ "${1:-}" = --npm-only ]; then PACKAGES=(); fi
if [ "${1:-}" = --also ]; then IFS=, read -r -a extra <<< "${2:-}"; PACKAGES+=("${extra[@]}"); fi

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
  # The packages enable their daemons; tierlb runs them itself (and the
  # dashboard picture its own Prometheus, inside the lab).
  for unit in bird gobgpd haproxy gdnsd etcd prometheus; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi

# node_modules/.package-lock.json is npm's record of what it installed; it is
# touched after each install so that a lockfile npm rewrote during the install
# does not look newer than it.
if [ ! -d node_modules ]; then
  echo "tierlb: installing npm dependencies (npm ci)"
  # npm ci installs exactly package-lock.json and fails if it does not match
  # package.json. The lockfile lists every platform's optional packages
  # (esbuild's and rollup's native builds) as npm writes them, so it is the
  # same on every machine and npm ci accepts it.
  npm ci --no-audit --no-fund
  touch node_modules/.package-lock.json
elif [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tierlb: package.json or package-lock.json changed; installing npm dependencies (npm install)"
  # npm install, not npm ci: it keeps what is installed and updates the
  # lockfile when package.json changed.
  npm install --no-audit --no-fund
  touch node_modules/.package-lock.json
fi
