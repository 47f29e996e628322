output "namespace" {
  description = "Namespace Argo CD runs in."
  value       = helm_release.argocd.namespace
}

output "release_name" {
  description = "Helm release name of the argo-cd chart."
  value       = helm_release.argocd.name
}

output "chart_version" {
  description = "argo-cd chart version installed."
  value       = helm_release.argocd.version
}

output "root_application" {
  description = "Name of the root (app-of-apps) Application."
  value       = var.root_app_name
}

output "server_url" {
  description = "URL of the Argo CD UI and API when server_ingress is enabled, otherwise null (use port_forward_command)."
  value       = var.server_ingress.enabled ? "https://${var.server_ingress.host}" : null
}

output "port_forward_command" {
  description = "Command that serves the Argo CD UI and API on https://localhost:8080."
  value       = "kubectl -n ${var.namespace} port-forward service/${var.release_name}-server 8080:443"
}

output "initial_admin_password_command" {
  description = "Command that prints the generated admin password (only while admin_password_bcrypt is null and the Secret has not been deleted)."
  value       = "kubectl -n ${var.namespace} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d"
}
