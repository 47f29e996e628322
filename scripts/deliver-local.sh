#!/usr/bin/env bash
# The golden path on this machine (`npm start`): set-up, build, then
# `golden-path deliver --local` on the reference service, with the loopback
# registry and the GitOps repository on disk at their built-in defaults.
# Extra arguments go to `golden-path deliver`, e.g. --argocd-server URL --argocd-app NAME.
# Unless --no-cluster or --argocd-server is given, a local Kubernetes API server and Argo CD
# (`golden-path cluster up`) run first, and verify checks the bump commit against them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

node scripts/build.mjs
use_cluster=true
for arg in "$@"; do
  case "$arg" in --no-cluster | --argocd-server | --argocd-server=*) use_cluster=false ;; esac
done
if [ "$use_cluster" = true ]; then
  # The first run builds the control plane from Go modules (about 20 minutes on 2 cores, cached after).
  node cli/dist/index.js cluster up
fi
# Nothing can be pulled here: the Dockerfile's base images are stand-ins built from the host's node.
mapfile -t bases < <(bash scripts/standin-bases.sh)
# The reference service has no unit tests of its own; its typecheck is its test step.
exec node cli/dist/index.js deliver --local --service service --test-script typecheck \
  --build-arg "BUILD_IMAGE=${bases[0]}" --build-arg "RUNTIME_IMAGE=${bases[1]}" "$@"
