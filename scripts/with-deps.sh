#!/usr/bin/env bash
# Entry of the npm scripts a fresh checkout may run first (`npm run lab`, the
# benches, `npm run docs:reference`): installs what is missing with
# scripts/ensure-deps.sh, then runs a TypeScript file with tsx, itself an npm
# dependency, so nothing from node_modules is needed before the install.
#   usage: bash scripts/with-deps.sh [--npm-only | --also PKG,PKG] FILE.ts [ARGS...]
# --npm-only skips the Debian packages (for a script that starts no daemon);
# --also adds Debian packages one script alone needs (the dashboard picture's
# prometheus and chromium) to the usual ones.
# The working folder is kept: npm runs scripts from the checkout's root.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${1:-}" = --npm-only ]; then
  shift
  bash "$repo/scripts/ensure-deps.sh" --npm-only
elif [ "${1:-}" = --also ]; then
  also="$2"
  shift 2
  bash "$repo/scripts/ensure-deps.sh" --also "$also"
else
  bash "$repo/scripts/ensure-deps.sh"
fi
exec "$repo/node_modules/.bin/tsx" "$@"
