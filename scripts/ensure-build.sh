#!/usr/bin/env bash
# Builds Next.js for production unless the last build is newer than every source file.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
if [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib next.config.mjs package-lock.json -newer .next/BUILD_ID -print -quit)" ]; then
  echo "[quire] building (next build)…"
  npx next build
fi
