# Argo CD on a local kind cluster created from kind-cluster.yaml:
#   kind create cluster --name golden-path --config kind-cluster.yaml
# The kubeconfig context kind writes is kind-<cluster name>.
provider "helm" {
  kubernetes = {
    config_path    = var.kubeconfig_path
    config_context = var.kube_context
  }
}

module "argocd" {
  source = "../.."

  gitops_repo_url = var.gitops_repo_url
  gitops_revision = var.gitops_revision

  # One node: no HA, and the UI through kubectl port-forward rather than an Ingress.
  ha_enabled = false
  server_ingress = {
    enabled = false
  }
}
