output "port_forward_command" {
  description = "Serves the Argo CD UI on https://localhost:8080."
  value       = module.argocd.port_forward_command
}

output "initial_admin_password_command" {
  description = "Prints the generated admin password."
  value       = module.argocd.initial_admin_password_command
}

output "root_application" {
  description = "Name of the root Application to watch (kubectl -n argocd get applications)."
  value       = module.argocd.root_application
}
