# The chart values the module computes from its variables; main.tf hands them to Helm.
locals {
  server_host = var.server_ingress.enabled ? var.server_ingress.host : ""

  # Settings for argo-cd's argocd-cm ConfigMap. exec.enabled stays false: a
  # terminal into pods from the UI bypasses the cluster's own access control.
  argocd_cm = merge(
    {
      "exec.enabled"  = false
      "admin.enabled" = var.admin_enabled
    },
    local.server_host != "" ? { url = "https://${local.server_host}" } : {},
    var.oidc_config != null ? { "oidc.config" = var.oidc_config } : {},
  )

  argocd_values = {
    # Object names follow the release name, so the outputs can name the server Service.
    fullnameOverride = var.release_name
    global = {
      domain = local.server_host != "" ? local.server_host : "argocd.example.com"
    }
    configs = {
      cm = local.argocd_cm
      params = {
        # Behind an ingress the controller terminates TLS and forwards plain HTTP.
        "server.insecure" = var.server_ingress.enabled
      }
      rbac = {
        "policy.csv"     = var.rbac_policy_csv
        "policy.default" = var.rbac_default_role
      }
      secret = var.admin_password_bcrypt != null ? {
        argocdServerAdminPassword = var.admin_password_bcrypt
      } : {}
    }
    # SSO goes straight to the identity provider through oidc.config; Dex is not needed.
    dex = {
      enabled = false
    }
    "redis-ha" = {
      enabled = var.ha_enabled
    }
    controller = {
      replicas = 1
    }
    server = {
      replicas = var.ha_enabled ? 2 : 1
      ingress = {
        enabled          = var.server_ingress.enabled
        ingressClassName = var.server_ingress.ingress_class_name
        hostname         = local.server_host
        # The chart names the certificate Secret argocd-server-tls.
        tls = var.server_ingress.enabled
      }
    }
    repoServer = {
      replicas = var.ha_enabled ? 2 : 1
    }
    applicationSet = {
      replicas = var.ha_enabled ? 2 : 1
    }
  }

  # Values for the argocd-apps chart: the root (app-of-apps) Application.
  root_app_values = templatefile("${path.module}/templates/root-application.yaml.tftpl", {
    name      = var.root_app_name
    namespace = var.namespace
    repo_url  = var.gitops_repo_url
    revision  = var.gitops_revision
    path      = var.root_app_path
  })
}
