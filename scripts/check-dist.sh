#!/usr/bin/env bash
# Fails when a committed action bundle differs from a fresh build of the source,
# so that what the `uses:` line runs is always what the TypeScript says.
set -euo pipefail
cd "$(dirname "$0")/.."

fingerprint() {
  find actions -path '*/dist/*' -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum
}

before=$(fingerprint)
actions=$(find actions -mindepth 2 -maxdepth 2 -name action.yml -printf '%h\n' | xargs -r -n1 basename | sort)
if [ -n "$actions" ]; then
  # shellcheck disable=SC2086
  node scripts/build.mjs $actions
fi
after=$(fingerprint)
if [ "$before" != "$after" ]; then
  echo "check-dist: actions/*/dist differs from a fresh build; run 'npm run build' and commit the result:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "check-dist: every action bundle matches its source"
