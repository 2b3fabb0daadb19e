#!/usr/bin/env bash
# `npm test`: every test of the project. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
echo "== generated files are fresh"
# A check, not a regeneration: a template edited without `npm run gen:templates`
# must fail here, not be fixed silently in this checkout only.
npx tsx scripts/gen-templates.ts --check
echo "== typecheck and lint"
npx tsc --noEmit
npx eslint .
echo "== build"
npm run --silent build
echo "== tests"
if [ "$#" -gt 0 ]; then exec npx vitest run "$@"; fi
npx vitest run --project unit
npx vitest run --project daemons --project integration --no-file-parallelism
echo "== lab end to end (user-mode-linux kernel)"
npx vitest run --project lab
