#!/usr/bin/env bash
# `npm run demo`: install, build, seed the demo blog, and start the platform in production mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/ensure-build.sh
port="${PORT:-3000}"
node bin/quire.mjs demo
echo
echo "  Quire is starting:"
echo "    platform   http://localhost:${port}"
echo "    demo blog  http://demo.localhost:${port}"
echo
exec env NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 node dist/server.mjs
