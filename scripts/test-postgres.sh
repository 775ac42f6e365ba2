#!/usr/bin/env bash
# `npm run test:postgres`: the unit and integration tests (vitest) again, with the control plane in
# PostgreSQL instead of control.db: a throwaway server (Debian's postgresql, initdb'd here on a free
# loopback port) and a fresh database per test file (lib/testing/postgres-setup.ts). Arguments go to
# vitest (`npm run test:postgres -- lib/accounts`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "[quire] installing Debian's postgresql for the PostgreSQL control plane's tests…"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql
fi
bash scripts/ensure-deps.sh
exec node --import tsx scripts/with-test-postgres.ts npx vitest run "$@"
