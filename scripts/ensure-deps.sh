#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or older than package.json/lock.
# `npm ci`: exactly what the committed lock says (it lists every platform's optional packages), so a
# fresh clone stays clean and every machine, CI and the container image get the same tree.
# better-sqlite3 builds from source (no prebuilt download): the first install takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.quire-install.sha
fingerprint() { cat package.json package-lock.json | sha1sum | cut -d' ' -f1; }
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(fingerprint)" ]; then
  echo "[quire] installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund
  fingerprint > "$stamp"
fi
