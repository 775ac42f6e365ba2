#!/usr/bin/env bash
# `npm test`: install what the tests need (npm packages, Debian's Chromium, Caddy and PostgreSQL),
# then run every test: lint, types, unit and integration (vitest, against a real production build;
# then again with the control plane in a throwaway PostgreSQL), e2e (Playwright driving
# /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

# Debian's packages the end-to-end tests drive: Chromium, and Caddy (e2e/https.spec.ts runs
# deploy/Caddyfile).
missing=()
if [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if ! command -v caddy >/dev/null; then missing+=(caddy); fi
# …and PostgreSQL, for the control plane's second backend (the suite runs on both).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "[quire] installing Debian's ${missing[*]} for the end-to-end tests…"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
bash scripts/ensure-deps.sh

reports="$(mktemp -d -t quire-reports-XXXXXX)"
trap 'rm -rf "$reports"' EXIT

echo "[quire] lint"
npx eslint .

echo "[quire] formatting (npm run format fixes it)"
npm run --silent check:format

echo "[quire] import cycles"
node scripts/check-cycles.mjs

echo "[quire] unused files, exports and dependencies"
npx knip

# Built before the type check: the route types Next writes to .next/types must be current.
bash scripts/ensure-build.sh

echo "[quire] types"
npx tsc --noEmit

echo "[quire] unit and integration tests"
npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json"

echo "[quire] unit and integration tests again, with the control plane in PostgreSQL"
node --import tsx scripts/with-test-postgres.ts npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest-postgres.json"

echo "[quire] end-to-end tests"
PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/playwright.json" npx playwright test --reporter=list,json

node scripts/summarise-tests.mjs "$reports/playwright.json" "$reports/vitest.json" "$reports/vitest-postgres.json"
