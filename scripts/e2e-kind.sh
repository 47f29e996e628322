#!/usr/bin/env bash
# e2e.yml's delivery step, on a GitHub-hosted runner that already has: the kind
# cluster `golden-path` (containerd pulling localhost:5001/* from the kind-registry
# container), a registry on localhost:5001, and this repository built.
#
# 1. seeds a bare GitOps repository from manifests/ and argocd/, pointed at itself
#    (served read-only by git daemon on the kind network's gateway) and at the
#    image in localhost:5001;
# 2. installs Argo CD with terraform/examples/kind, whose root Application
#    deploys argocd/ and so the dev Application;
# 3. runs deliver.yml in local mode through act, verifying against that Argo CD.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${GOLDEN_PATH_E2E_KIND:-}" = 1 ] || {
  echo "e2e-kind: creates cluster-wide state; run it from e2e.yml (GOLDEN_PATH_E2E_KIND=1)" >&2
  exit 2
}

work=/tmp/golden-path-e2e
INGRESS_NGINX_VERSION=${INGRESS_NGINX_VERSION:-v1.12.1}
placeholder=https://github.com/example-org/REPLACE-ME-gitops-repository.git
gateway=$(docker network inspect kind --format '{{(index .IPAM.Config 0).Gateway}}')
repo_url="git://$gateway:9418/gitops.git"

rm -rf "$work/gitops.git" "$work/seed"
mkdir -p "$work/seed"
cp -r manifests argocd "$work/seed/"
grep -rlF "$placeholder" "$work/seed" | xargs -r sed -i "s#$placeholder#$repo_url#g"
sed -i 's#newName: ghcr.io/example-org/golden-path-reference-service#newName: localhost:5001/example-org/golden-path-reference-service#' \
  "$work"/seed/manifests/overlays/*/kustomization.yaml
git init --quiet --bare --initial-branch main "$work/gitops.git"
git -C "$work/seed" init --quiet --initial-branch main
git -C "$work/seed" add --all
git -C "$work/seed" -c user.name=golden-path -c user.email=golden-path@localhost commit --quiet -m "Seed for e2e"
git -C "$work/seed" push --quiet "$work/gitops.git" HEAD:refs/heads/main
git daemon --base-path="$work" --export-all --reuseaddr --listen="$gateway" --port=9418 \
  --detach --pid-file="$work/git-daemon.pid"

# The Ingress is Healthy in Argo CD only once a controller gives it an address
# (docs/platform.md names ingress-nginx); its kind provider uses the ingress-ready node.
kubectl apply -f "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-$INGRESS_NGINX_VERSION/deploy/static/provider/kind/deploy.yaml"
kubectl -n ingress-nginx wait --for=condition=Available deployment/ingress-nginx-controller --timeout=300s

terraform -chdir=terraform/examples/kind apply -input=false -auto-approve -var "gitops_repo_url=$repo_url"
kubectl -n argocd wait --for=condition=Available deployment --all --timeout=300s
forward=$(terraform -chdir=terraform/examples/kind output -raw port_forward_command)
read -r -a forward_argv <<<"$forward"
"${forward_argv[@]}" >"$work/port-forward.log" 2>&1 &
forward_pid=$!
trap 'kill "$forward_pid" 2>/dev/null || true; kill "$(cat "$work/git-daemon.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -skf https://127.0.0.1:8080/healthz >/dev/null && break
  sleep 2
done

password=$(kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d)
ARGOCD_AUTH_TOKEN=$(jq -n --arg p "$password" '{username: "admin", password: $p}' |
  curl -skf https://127.0.0.1:8080/api/v1/session -H 'Content-Type: application/json' --data @- | jq -r .token)
export ARGOCD_AUTH_TOKEN
echo "::add-mask::$ARGOCD_AUTH_TOKEN"

node scripts/act-deliver.mjs --work "$work" --registry localhost:5001 \
  --gitops-repo "$work/gitops.git" --gitops-path manifests/overlays/dev \
  --argocd-server https://127.0.0.1:8080 --argocd-app reference-service-dev --argocd-insecure
