#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or older than package-lock.json.
# better-sqlite3 builds from source here (no prebuilt download): the first install takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.quire-lock.sha
want="$(sha1sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[quire] installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
