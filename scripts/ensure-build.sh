#!/usr/bin/env bash
# Builds for production what is older than its sources: the server, the CLI and the worker
# modules compiled into dist/ (scripts/build-server.mjs, a second or so), and Next's build (.next/).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
node scripts/build-server.mjs --if-stale
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib next.config.mjs package-lock.json -newer .next/BUILD_ID -print -quit)" ]; then
  echo "[quire] building (next build)…"
  npx next build
fi
