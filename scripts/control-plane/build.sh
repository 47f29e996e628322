#!/usr/bin/env bash
# Builds the local control plane (Kubernetes API server, controller-manager, scheduler, etcd,
# kwok, kustomize and Argo CD) from Go modules into a cache keyed by the pinned versions.
# Nothing is written to the repository: wrapper modules are generated under the cache.
#
#   scripts/control-plane/build.sh            build what is missing, print the bin directory
#   scripts/control-plane/build.sh --print-dir  print the cache directory without building
#
# Progress goes to stderr as "control-plane: <component> ..." lines; per-component cold build
# times are recorded in <dir>/build-times.tsv.
set -euo pipefail

KUBERNETES_VERSION=v1.37.2
ETCD_VERSION=v3.7.0
KWOK_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.8.2
ARGOCD_VERSION=v3.6.2
# Argo CD's go.mod declares go 1.27.0; the Kubernetes modules build with the local toolchain.
ARGOCD_GOTOOLCHAIN=go1.27.3

versions_key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_kustomize-${KUSTOMIZE_VERSION}_argocd-${ARGOCD_VERSION}"
cache_root="${GOLDEN_PATH_CACHE:-${HOME}/.cache/golden-path}"
dir="${cache_root}/control-plane/${versions_key}"
bin="${dir}/bin"
share="${dir}/share"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "${dir}"
  exit 0
fi

command -v go >/dev/null || { echo "control-plane: go is not on PATH; install Go (scripts/setup.sh) and retry" >&2; exit 2; }

mkdir -p "${bin}" "${share}" "${dir}/src"
times="${dir}/build-times.tsv"
touch "${times}"

# One build at a time on a shared machine: a second caller waits for the first.
exec 9>"${dir}/.build.lock"
flock 9

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod -trimpath"
modcache="$(go env GOMODCACHE)"

say() { echo "control-plane: $*" >&2; }

# build_one NAME COLD_HINT COMMAND... : runs COMMAND unless bin/NAME exists; records seconds.
build_one() {
  local name="$1" hint="$2"
  shift 2
  if [[ -x "${bin}/${name}" ]]; then
    say "${name} cached"
    return 0
  fi
  say "${name} building (cold build takes about ${hint} on 2 cores)"
  local start end
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  local seconds=$((end - start))
  printf '%s\t%s\n' "${name}" "${seconds}" >>"${times}"
  say "${name} built in ${seconds} s"
}

# ---- Kubernetes + etcd wrapper module -------------------------------------------------------
k8s_src="${dir}/src/kubernetes"
k8s_minor="${KUBERNETES_VERSION#v1.}"
k8s_minor="${k8s_minor%%.*}"
staging_version="v0.${KUBERNETES_VERSION#v1.}"

prepare_kubernetes_module() {
  [[ -f "${k8s_src}/.ready" ]] && return 0
  say "kubernetes wrapper module: resolving k8s.io/kubernetes@${KUBERNETES_VERSION}"
  rm -rf "${k8s_src}"
  mkdir -p "${k8s_src}/etcd"
  local upstream_mod
  upstream_mod=$(cd "${k8s_src}" && GOFLAGS= go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f "${upstream_mod}" ]] || { say "could not download k8s.io/kubernetes@${KUBERNETES_VERSION} go.mod"; exit 1; }
  {
    echo "module golden-path.local/control-plane/kubernetes"
    echo
    grep -m1 '^go ' "${upstream_mod}"
    echo
    echo "require ("
    echo "	k8s.io/kubernetes ${KUBERNETES_VERSION}"
    echo "	go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
    echo ")"
    echo
    echo "replace ("
    # upstream: k8s.io/X => ./staging/src/k8s.io/X  becomes  k8s.io/X => k8s.io/X v0.MINOR.PATCH
    grep -E '^[[:space:]]*k8s\.io/[^ ]+ => \./staging/src/' "${upstream_mod}" |
      awk -v v="${staging_version}" '{ printf "\t%s => %s %s\n", $1, $1, v }'
    echo ")"
  } >"${k8s_src}/go.mod"
  cat >"${k8s_src}/etcd/main.go" <<'GO'
// Command etcd is etcd's own server entry point, built in the Kubernetes wrapper module so it
// uses the etcd version Kubernetes pins.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  # go get (not tidy: the wrapper imports none of these) fills go.sum for the commands we build.
  (cd "${k8s_src}" && go get "k8s.io/kubernetes/cmd/kube-apiserver@${KUBERNETES_VERSION}" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@${KUBERNETES_VERSION}" \
    "k8s.io/kubernetes/cmd/kube-scheduler@${KUBERNETES_VERSION}" \
    "go.etcd.io/etcd/server/v3/etcdmain@${ETCD_VERSION}")
  touch "${k8s_src}/.ready"
}

k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${k8s_minor} -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=${KUBERNETES_VERSION}"

build_k8s() {
  local name="$1" pkg="$2"
  (cd "${k8s_src}" && go build -ldflags "${k8s_ldflags}" -o "${bin}/${name}.tmp" "${pkg}") && mv "${bin}/${name}.tmp" "${bin}/${name}"
}

build_etcd() {
  (cd "${k8s_src}" && go build -ldflags "-s -w" -o "${bin}/etcd.tmp" ./etcd) && mv "${bin}/etcd.tmp" "${bin}/etcd"
}

go_install() {
  local name="$1" pkg="$2" toolchain="${3:-}"
  local tmp="${dir}/src/gobin-${name}"
  rm -rf "${tmp}" && mkdir -p "${tmp}"
  (cd "${dir}/src" && GOFLAGS="-trimpath" GOTOOLCHAIN="${toolchain:-$(go env GOTOOLCHAIN)}" GOBIN="${tmp}" go install -ldflags "-s -w" "${pkg}")
  # go install names the binary after the last path element that is not a major version (v5).
  mv "${tmp}"/* "${bin}/${name}"
  rm -rf "${tmp}"
}

# ---- Argo CD wrapper module -----------------------------------------------------------------
argo_src="${dir}/src/argocd"
prepare_argocd_module() {
  [[ -f "${argo_src}/.ready" ]] && return 0
  say "argocd wrapper module: resolving github.com/argoproj/argo-cd/v3@${ARGOCD_VERSION}"
  rm -rf "${argo_src}"
  mkdir -p "${argo_src}"
  local upstream_mod
  upstream_mod=$(cd "${argo_src}" && GOFLAGS= GOTOOLCHAIN="${ARGOCD_GOTOOLCHAIN}" go mod download -json "github.com/argoproj/argo-cd/v3@${ARGOCD_VERSION}" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f "${upstream_mod}" ]] || { say "could not download argo-cd ${ARGOCD_VERSION} go.mod"; exit 1; }
  {
    echo "module golden-path.local/control-plane/argocd"
    echo
    grep -m1 '^go ' "${upstream_mod}"
    echo
    echo "require github.com/argoproj/argo-cd/v3 ${ARGOCD_VERSION}"
    echo
    # Upstream's replace block, with the in-repository gitops-engine pointed at its published tag.
    awk -v v="${ARGOCD_VERSION}" '
      /^replace \($/ { inblock = 1; print; next }
      inblock && /^\)$/ { inblock = 0; print; next }
      inblock {
        if ($0 ~ /=> \.\/gitops-engine/) { printf "\t%s => %s %s\n", $1, $1, v } else { print }
        next
      }
      /^replace / {
        if ($0 ~ /=> \.\/gitops-engine/) { printf "replace %s => %s %s\n", $2, $2, v } else { print }
      }
    ' "${upstream_mod}"
  } >"${argo_src}/go.mod"
  (cd "${argo_src}" && GOTOOLCHAIN="${ARGOCD_GOTOOLCHAIN}" go get "github.com/argoproj/argo-cd/v3/cmd@${ARGOCD_VERSION}")
  touch "${argo_src}/.ready"
}

build_argocd() {
  (cd "${argo_src}" && GOTOOLCHAIN="${ARGOCD_GOTOOLCHAIN}" go build -ldflags "-s -w -X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD_VERSION#v}" \
    -o "${bin}/argocd.tmp" "github.com/argoproj/argo-cd/v3/cmd") && mv "${bin}/argocd.tmp" "${bin}/argocd"
}

# ---- support files copied out of the (read-only) module cache --------------------------------
copy_support_files() {
  local kwok_mod="${modcache}/sigs.k8s.io/kwok@${KWOK_VERSION}"
  if [[ ! -d "${share}/kwok-stage" ]]; then
    [[ -d "${kwok_mod}" ]] || (cd "${dir}/src" && GOFLAGS= go mod download "sigs.k8s.io/kwok@${KWOK_VERSION}")
    mkdir -p "${share}/kwok-stage.tmp"
    cp -r "${kwok_mod}/kustomize/stage/." "${share}/kwok-stage.tmp/"
    chmod -R u+w "${share}/kwok-stage.tmp"
    mv "${share}/kwok-stage.tmp" "${share}/kwok-stage"
  fi
  local argo_mod="${modcache}/github.com/argoproj/argo-cd/v3@${ARGOCD_VERSION}"
  if [[ ! -d "${share}/argocd" ]]; then
    mkdir -p "${share}/argocd.tmp/path" "${share}/argocd.tmp/crds"
    cp "${argo_mod}/hack/git-verify-wrapper.sh" "${argo_mod}/hack/gpg-wrapper.sh" "${share}/argocd.tmp/path/"
    cp -r "${argo_mod}/manifests/crds/." "${share}/argocd.tmp/crds/"
    chmod -R u+w "${share}/argocd.tmp"
    chmod +x "${share}/argocd.tmp/path/"*.sh
    mv "${share}/argocd.tmp" "${share}/argocd"
  fi
  # The repo-server finds kustomize on PATH.
  ln -sf ../../bin/kustomize "${share}/argocd/path/kustomize"
}

prepare_kubernetes_module
build_one etcd "15 s" build_etcd
build_one kustomize "20 s" go_install kustomize "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
build_one kube-scheduler "15 s" build_k8s kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build_one kwok "2 min" go_install kwok "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"
build_one kube-controller-manager "2.5 min" build_k8s kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build_one kube-apiserver "6.5 min" build_k8s kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
prepare_argocd_module
build_one argocd "6.5 min" build_argocd
copy_support_files

cat >"${dir}/versions.json.tmp" <<JSON
{"kubernetes":"${KUBERNETES_VERSION}","etcd":"${ETCD_VERSION}","kwok":"${KWOK_VERSION}","kustomize":"${KUSTOMIZE_VERSION}","argocd":"${ARGOCD_VERSION}"}
JSON
mv "${dir}/versions.json.tmp" "${dir}/versions.json"
touch "${dir}/.complete"
say "ready in ${bin}"
echo "${bin}"
