#!/usr/bin/env bash
# Starts the production server for the Playwright tests on a fresh data directory with the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
port="$1"
# The compiled server and CLI (dist/) are cheap to bring up to date; Next's build is the caller's.
node scripts/build-server.mjs --if-stale
dir="$(mktemp -d -t quire-e2e-XXXXXX)"
trap 'rm -rf "$dir"' EXIT
export QUIRE_DATA_DIR="$dir" PORT="$port" QUIRE_ROOT_DOMAIN="localhost:$port" QUIRE_PV_FLUSH_MS=500
# Every e2e test signs up from this one address.
export QUIRE_SIGNUPS_PER_HOUR=1000
# The import test serves its images from this machine (fetchPublic refuses loopback otherwise).
export QUIRE_FETCH_ALLOW_LOOPBACK=1
# Mail goes to a recorder on loopback whose messages the specs read over HTTP (scripts/e2e-mail-recorder.ts).
smtp_port="${E2E_SMTP_PORT:-$((port + 1))}"
mail_http_port="${E2E_MAIL_HTTP_PORT:-$((port + 2))}"
node --import tsx scripts/e2e-mail-recorder.ts "$smtp_port" "$mail_http_port" &
recorder=$!
export QUIRE_SMTP_URL="smtp://127.0.0.1:$smtp_port" QUIRE_MAIL_FROM="Quire <quire@example.org>" QUIRE_MAIL_PER_SECOND=200
node bin/quire.mjs demo
NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 node dist/server.mjs &
server=$!
trap 'kill -TERM $server $recorder 2>/dev/null; wait $server; rm -rf "$dir"' EXIT INT TERM
wait $server
