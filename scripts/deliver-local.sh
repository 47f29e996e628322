#!/usr/bin/env bash
# The golden path on this machine (`npm start`): set-up, build, then
# `golden-path deliver --local` on the reference service, with the loopback
# registry and the GitOps repository on disk at their built-in defaults.
# Extra arguments go to `golden-path deliver`, e.g. --argocd-server URL --argocd-app NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

node scripts/build.mjs
# Nothing can be pulled here: the Dockerfile's base images are stand-ins built from the host's node.
mapfile -t bases < <(bash scripts/standin-bases.sh)
# The reference service has no unit tests of its own; its typecheck is its test step.
exec node cli/dist/index.js deliver --local --service service --test-script typecheck \
  --build-arg "BUILD_IMAGE=${bases[0]}" --build-arg "RUNTIME_IMAGE=${bases[1]}" "$@"
