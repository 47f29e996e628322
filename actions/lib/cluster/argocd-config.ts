/**
 * The objects Argo CD reads from its namespace, as the upstream install creates them,
 * for a local cluster: one local account with an API key, admin for that account and
 * the admin user, and the built-in default AppProject.
 */
export const argocdNamespace = 'argocd'
export const localAccount = 'golden-path'

const partOf = { 'app.kubernetes.io/part-of': 'argocd' }

const ingressHealth = `hs = {}
hs.status = "Healthy"
hs.message = "no ingress controller in the local cluster: the Ingress is accepted as it is"
return hs
`

const autoscalerHealth = `hs = {}
hs.status = "Progressing"
hs.message = "Waiting to Autoscale"
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "AbleToScale" and condition.status == "True" then
      hs.status = "Healthy"
      hs.message = "able to scale (no metrics server in the local cluster)"
    end
    if condition.type == "AbleToScale" and condition.status == "False" then
      hs.status = "Degraded"
      hs.message = condition.message
    end
  end
end
return hs
`

export interface ArgocdConfigInput {
  serverSecretKey: string
  adminPasswordBcrypt: string
  adminPasswordMtime: string
  reconciliationSeconds: number
}

/** Kubernetes objects (as JSON documents for `kubectl apply`) that configure Argo CD. */
export function argocdConfigObjects(input: ArgocdConfigInput): object[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: argocdNamespace } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-cm',
        namespace: argocdNamespace,
        labels: { ...partOf, 'app.kubernetes.io/name': 'argocd-cm' },
      },
      data: {
        'admin.enabled': 'true',
        [`accounts.${localAccount}`]: 'apiKey',
        // Read by the API server; the controller outside a cluster takes ARGOCD_RECONCILIATION_TIMEOUT instead.
        'timeout.reconciliation': `${input.reconciliationSeconds}s`,
        // The local cluster runs no ingress controller and no metrics server: without these,
        // an Ingress stays Progressing (no load-balancer address) and an autoscaler turns
        // Degraded (FailedGetResourceMetric) whatever the workload does.
        'resource.customizations.health.networking.k8s.io_Ingress': ingressHealth,
        'resource.customizations.health.autoscaling_HorizontalPodAutoscaler': autoscalerHealth,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-cmd-params-cm',
        namespace: argocdNamespace,
        labels: { ...partOf, 'app.kubernetes.io/name': 'argocd-cmd-params-cm' },
      },
      // Documents the flags the local processes run with (outside a cluster nothing maps these to env).
      data: {
        'server.insecure': 'true',
        'server.repo.server.plaintext': 'true',
        'controller.repo.server.plaintext': 'true',
        'reposerver.disable.tls': 'true',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-rbac-cm',
        namespace: argocdNamespace,
        labels: { ...partOf, 'app.kubernetes.io/name': 'argocd-rbac-cm' },
      },
      data: { 'policy.default': '', 'policy.csv': `g, ${localAccount}, role:admin\n` },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'argocd-secret',
        namespace: argocdNamespace,
        labels: { ...partOf, 'app.kubernetes.io/name': 'argocd-secret' },
      },
      type: 'Opaque',
      stringData: {
        'server.secretkey': input.serverSecretKey,
        'admin.password': input.adminPasswordBcrypt,
        'admin.passwordMtime': input.adminPasswordMtime,
      },
    },
  ]
}

export function defaultAppProject(): object {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace: argocdNamespace },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  }
}

export const fakeNodeName = 'kwok-node-0'

/** The one node kwok manages (selected by its annotation); no taint, so any pod may land on it. */
export function fakeNode(): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: fakeNodeName,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': fakeNodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    spec: {},
  }
}

/** kwok's stage files (relative to the module's kustomize/stage) the local node and pods need. */
export const kwokStageFiles = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat/node-heartbeat.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
]
