#!/usr/bin/env bash
# Installs what golden-path's build and tests need, skipping what is already there:
# Node dependencies (root and service), Debian packages and Go-installed tools.
# Sourced by scripts/test.sh and scripts/deliver-local.sh so PATH carries over.
# Where a tool cannot be installed (not root, no apt, no go), it prints the exact
# command to run and fails.
set -euo pipefail

GP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# name-on-PATH:debian-package
APT_TOOLS=(
  buildah:buildah
  skopeo:skopeo
  umoci:umoci
  docker-registry:docker-registry
  newuidmap:uidmap
  git:git
  ssh-keygen:openssh-client
  shellcheck:shellcheck
  openssl:openssl
  # The Python fixture service's tests run as `python -m pytest`.
  python:python-is-python3
  pytest:python3-pytest
  htpasswd:apache2-utils
  promtool:prometheus
  redis-server:redis-server
)
# name-on-PATH:module@version
GO_TOOLS=(
  kubeconform:github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
  actionlint:github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
  act:github.com/nektos/act@v0.2.87
  crane:github.com/google/go-containerregistry/cmd/crane@v0.21.9
  sloth:github.com/slok/sloth/cmd/sloth@v0.16.0
  cosign:github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3
  syft:github.com/anchore/syft/cmd/syft@v1.57.2
)

gp_fail() {
  echo "setup: $1" >&2
  exit 1
}

if command -v go >/dev/null 2>&1; then
  export PATH="$(go env GOPATH)/bin:$PATH"
fi

missing_packages=()
for entry in "${APT_TOOLS[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || missing_packages+=("${entry#*:}")
done
if [ "${#missing_packages[@]}" -gt 0 ]; then
  install="apt-get update && apt-get install -y ${missing_packages[*]}"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing_packages[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >/dev/null ||
      gp_fail "could not install Debian packages; run: $install"
  else
    gp_fail "missing ${missing_packages[*]}; run as root: $install"
  fi
fi

for entry in "${GO_TOOLS[@]}"; do
  name="${entry%%:*}"
  module="${entry#*:}"
  command -v "$name" >/dev/null 2>&1 && continue
  command -v go >/dev/null 2>&1 || gp_fail "missing $name and no Go toolchain; install Go, then run: go install $module"
  echo "setup: go install $module"
  go install "$module" || gp_fail "could not install $name; run: go install $module"
done

# The OCI 1.1 registry with the referrers API that the supply-chain tests sign against
# (scripts/oci-registry, go-containerregistry's registry): built into the cache when its
# sources change (under a minute cold), put on PATH.
oci_registry_dir="${GOLDEN_PATH_CACHE:-${HOME}/.cache/golden-path}/oci-registry"
oci_registry_sum="$(cat "$GP_ROOT"/scripts/oci-registry/{go.mod,go.sum,main.go} | sha256sum | cut -c1-16)"
if [ ! -x "$oci_registry_dir/$oci_registry_sum/golden-path-oci-registry" ]; then
  command -v go >/dev/null 2>&1 || gp_fail "missing Go to build scripts/oci-registry; install Go, then source scripts/setup.sh"
  echo "setup: building scripts/oci-registry"
  (cd "$GP_ROOT/scripts/oci-registry" && nice -n 10 go build -trimpath -ldflags "-s -w" \
    -o "$oci_registry_dir/$oci_registry_sum/golden-path-oci-registry" .) ||
    gp_fail "could not build scripts/oci-registry; run: cd scripts/oci-registry && go build"
fi
export PATH="$oci_registry_dir/$oci_registry_sum:$PATH"

# kubectl renders overlays with its built-in kustomize. Debian's archive has no current kubectl,
# so it cannot be installed here; say what is needed instead of failing later inside a test.
command -v kubectl >/dev/null 2>&1 ||
  gp_fail "missing kubectl (v1.27 or later, with built-in kustomize); install it from the Kubernetes project's apt repository (package kubectl)"

# The local control plane (kube-apiserver, etcd, kwok, Argo CD) that `golden-path cluster up`,
# `npm start` and the cluster tests run: built from Go modules into ~/.cache/golden-path
# (about 20 minutes cold on 2 cores, nothing when cached). GOLDEN_PATH_SKIP_CONTROL_PLANE=1 skips it.
if [ "${GOLDEN_PATH_SKIP_CONTROL_PLANE:-}" != 1 ]; then
  cp_dir="$(bash "$GP_ROOT/scripts/control-plane/build.sh" --print-dir)"
  if [ ! -f "$cp_dir/.complete" ]; then
    echo "setup: building the local control plane (about 20 minutes the first time; cached in $cp_dir)"
    nice -n 10 bash "$GP_ROOT/scripts/control-plane/build.sh" >/dev/null ||
      gp_fail "could not build the local control plane; run: bash scripts/control-plane/build.sh"
  fi
fi

# npm ci only when the lockfile changed since the last install, so repeated runs are quick.
gp_npm_ci() {
  local dir="$1"
  local stamp="$dir/node_modules/.golden-path-lock"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
    return
  fi
  echo "setup: npm ci in ${dir#"$GP_ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
}
gp_npm_ci "$GP_ROOT"
[ -f "$GP_ROOT/service/package-lock.json" ] && gp_npm_ci "$GP_ROOT/service"
true
