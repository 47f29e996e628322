#!/usr/bin/env bash
# The whole test suite, from a fresh clone: set-up, build, dist check, lint,
# typecheck, then every vitest suite (unit and integration against real tools).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# Builds every action, the CLI and the service, and fails if committed dist is stale.
bash scripts/check-dist.sh
npx biome check .
npx tsc -p tsconfig.json --noEmit
npm --prefix service run typecheck

results=.vitest-results.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
node scripts/test-summary.mjs "$results"
exit "$status"
