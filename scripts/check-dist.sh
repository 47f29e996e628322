#!/usr/bin/env bash
# Builds everything (`scripts/build.mjs`) and fails when a committed action bundle
# differs from the fresh build, so that what a `uses:` line runs is always what the
# TypeScript says.
set -euo pipefail
cd "$(dirname "$0")/.."

fingerprint() {
  find actions -path '*/dist/*' -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum
}

before=$(fingerprint)
node scripts/build.mjs
after=$(fingerprint)
if [ "$before" != "$after" ]; then
  echo "check-dist: actions/*/dist differs from a fresh build; run 'npm run build' and commit the result:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "check-dist: every action bundle matches its source"
