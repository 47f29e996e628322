variable "kubeconfig_path" {
  description = "kubeconfig file that holds the kind cluster's context."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context of the kind cluster (kind names it kind-<cluster name>)."
  type        = string
  default     = "kind-golden-path"

  validation {
    condition     = startswith(var.kube_context, "kind-")
    error_message = "kube_context must be a kind context (kind-<cluster name>); this example must not touch any other cluster."
  }
}

variable "gitops_repo_url" {
  description = "GitOps repository holding manifests/ and argocd/. Replace the placeholder with your own."
  type        = string
  default     = "https://github.com/example-org/REPLACE-ME-gitops-repository.git"
}

variable "gitops_revision" {
  description = "Branch, tag or commit the root Application follows."
  type        = string
  default     = "main"
}
