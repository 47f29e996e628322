resource "helm_release" "argocd" {
  name             = var.release_name
  namespace        = var.namespace
  create_namespace = true
  repository       = var.chart_repository
  chart            = "argo-cd"
  version          = var.chart_version
  timeout          = var.timeout_seconds
  wait             = true
  atomic           = true

  values = concat([yamlencode(local.argocd_values)], var.extra_values)
}

# The root Application goes through the argocd-apps chart rather than a
# kubernetes_manifest resource: kubernetes_manifest needs the Application CRD at
# plan time, before the argo-cd release above has installed it.
resource "helm_release" "root_app" {
  name       = "${var.release_name}-root-app"
  namespace  = var.namespace
  repository = var.chart_repository
  chart      = "argocd-apps"
  version    = var.apps_chart_version
  timeout    = var.timeout_seconds
  wait       = true
  atomic     = true

  values = [local.root_app_values]

  depends_on = [helm_release.argocd]
}
