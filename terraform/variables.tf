variable "namespace" {
  description = "Namespace Argo CD is installed into; the root Application and every Application it syncs live here too."
  type        = string
  default     = "argocd"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters."
  }
}

variable "release_name" {
  description = "Helm release name of the argo-cd chart. Argo CD's own objects are named after it."
  type        = string
  default     = "argocd"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$", var.release_name))
    error_message = "release_name must be a DNS-1123 label of at most 53 characters (Helm's limit)."
  }
}

variable "chart_repository" {
  description = "Helm repository serving the argo-cd and argocd-apps charts (a mirror of https://argoproj.github.io/argo-helm where the internet is out of reach)."
  type        = string
  default     = "https://argoproj.github.io/argo-helm"

  validation {
    condition     = can(regex("^(https|oci)://", var.chart_repository))
    error_message = "chart_repository must be an https:// or oci:// URL."
  }
}

variable "chart_version" {
  description = "Exact version of the argo-cd Helm chart (10.9.2 ships Argo CD v3.5.3). Upgrades are a reviewed change of this value."
  type        = string
  default     = "10.9.2"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.chart_version))
    error_message = "chart_version must be an exact version such as 10.9.2, not a range."
  }
}

variable "apps_chart_version" {
  description = "Exact version of the argocd-apps Helm chart that creates the root Application."
  type        = string
  default     = "2.0.7"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.apps_chart_version))
    error_message = "apps_chart_version must be an exact version such as 2.0.7, not a range."
  }
}

variable "ha_enabled" {
  description = "Run Argo CD highly available: Redis HA and two replicas of the server, repo server and ApplicationSet controller. Needs at least three nodes."
  type        = bool
  default     = false
}

variable "server_ingress" {
  description = "Expose the Argo CD server through an Ingress. The ingress controller then terminates TLS with the certificate in the argocd-server-tls Secret, and the server speaks plain HTTP behind it."
  type = object({
    enabled            = bool
    host               = optional(string, "")
    ingress_class_name = optional(string, "nginx")
  })
  default = {
    enabled = false
  }

  validation {
    condition     = !var.server_ingress.enabled || can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$", var.server_ingress.host))
    error_message = "server_ingress.host must be a fully qualified DNS name when server_ingress.enabled is true."
  }
}

variable "admin_enabled" {
  description = "Keep the built-in admin account. Turn it off once SSO works (oidc_config), so every login is a named person."
  type        = bool
  default     = true
}

variable "admin_password_bcrypt" {
  description = "bcrypt hash of the admin password (htpasswd -nbBC 10 '' PASSWORD | tr -d ':\\n'). Null keeps the random password Argo CD writes to the argocd-initial-admin-secret Secret."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.admin_password_bcrypt == null || can(regex("^\\$2[aby]\\$[0-9]{2}\\$.{53}$", var.admin_password_bcrypt))
    error_message = "admin_password_bcrypt must be a bcrypt hash ($2a$, $2b$ or $2y$ followed by cost and 53 characters), never a plain password."
  }
}

variable "oidc_config" {
  description = "Argo CD oidc.config (YAML: name, issuer, clientID, clientSecret, requestedScopes) for single sign-on. Null leaves SSO off."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_config == null || can(yamldecode(var.oidc_config).issuer)
    error_message = "oidc_config must be YAML with at least an issuer key."
  }
}

variable "rbac_policy_csv" {
  description = "Argo CD RBAC policy (policy.csv) granting SSO groups their roles. Empty grants nothing beyond the default role."
  type        = string
  default     = ""
}

variable "rbac_default_role" {
  description = "Role every authenticated user gets when policy.csv grants nothing more: role:readonly, or empty for none."
  type        = string
  default     = "role:readonly"

  validation {
    condition     = contains(["", "role:readonly", "role:admin"], var.rbac_default_role)
    error_message = "rbac_default_role must be \"\", \"role:readonly\" or \"role:admin\"."
  }
}

variable "gitops_repo_url" {
  description = "URL of the GitOps repository holding manifests/ and argocd/ (the root Application's source). git:// is unauthenticated and unencrypted: use it only for a local cluster."
  type        = string

  validation {
    condition     = can(regex("^(https://|ssh://|git@|git://)", var.gitops_repo_url))
    error_message = "gitops_repo_url must start with https://, ssh://, git@ or git://."
  }
}

variable "gitops_revision" {
  description = "Branch, tag or commit of the GitOps repository the root Application follows."
  type        = string
  default     = "main"

  validation {
    condition     = length(trimspace(var.gitops_revision)) > 0
    error_message = "gitops_revision must not be empty."
  }
}

variable "root_app_path" {
  description = "Directory in the GitOps repository the root Application syncs (the AppProject and the Applications)."
  type        = string
  default     = "argocd"

  validation {
    condition     = !startswith(var.root_app_path, "/") && !strcontains(var.root_app_path, "..")
    error_message = "root_app_path must be relative to the repository root and must not contain '..'."
  }
}

variable "root_app_name" {
  description = "Name of the root (app-of-apps) Application."
  type        = string
  default     = "golden-path-root"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.root_app_name))
    error_message = "root_app_name must be a DNS-1123 label."
  }
}

variable "extra_values" {
  description = "Further argo-cd chart values as YAML documents, applied after the module's own values (later documents win)."
  type        = list(string)
  default     = []
}

variable "timeout_seconds" {
  description = "How long Helm waits for each release's resources to become ready."
  type        = number
  default     = 600

  validation {
    condition     = var.timeout_seconds >= 60 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 60 and 3600."
  }
}
