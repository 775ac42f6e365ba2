#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or older than package.json/lock.
# `npm install`, not `npm ci`: the registry reachable here lacks other platforms' optional
# packages (e.g. @next/swc-darwin-arm64), so the lock cannot list them and `npm ci` refuses it.
# better-sqlite3 builds from source (no prebuilt download): the first install takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.quire-install.sha
fingerprint() { cat package.json package-lock.json | sha1sum | cut -d' ' -f1; }
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(fingerprint)" ]; then
  echo "[quire] installing npm packages…"
  npm install --no-audit --no-fund
  fingerprint > "$stamp"
fi
