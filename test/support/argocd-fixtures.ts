/**
 * Argo CD API objects as the v3.6.2 API server returns them, built from a
 * small description of one moment of a rollout. Field names and nesting follow
 * the swagger definitions in data/argocd/v3.6.2/swagger.json; the schema test checks
 * every object built here against them.
 */

export const appName = 'web'
export const controlNamespace = 'argocd'
export const destinationNamespace = 'web-prod'
export const oldRevision = '3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'
export const newRevision = '9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c'
export const oldImage = 'ghcr.io/example-org/golden-path-reference-service:0.1.0'
export const newImage = 'ghcr.io/example-org/golden-path-reference-service:0.2.0'

const repoURL = 'https://github.com/example-org/golden-path-gitops.git'
const source = { repoURL, path: 'manifests/overlays/prod', targetRevision: 'main' }
const destination = { server: 'https://kubernetes.default.svc', namespace: destinationNamespace }
const created = '2026-11-02T09:00:00Z'

export type TreeShape = 'healthy' | 'progressing' | 'crashloop'

/** One moment of a rollout, as far as verification cares. */
export interface AppMoment {
  sync: 'Synced' | 'OutOfSync' | 'Unknown'
  health: 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Suspended' | 'Unknown'
  /** `status.sync.revision`: the revision the last comparison was made against. */
  revision: string
  /** Multi-source apps report `status.sync.revisions` instead. */
  revisions?: string[]
  operation?: {
    phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating'
    revision: string
    message: string
    /** Retries an automated sync has made: set, the phase stays Running between attempts. */
    retryCount?: number
    /**
     * A resource the attempt could not apply. `refused`: Argo CD refused it before applying
     * (e.g. the AppProject does not admit it), so the result has no hook phase and no images.
     */
    failedResource?: {
      group?: string
      kind: string
      name: string
      message: string
      refused?: boolean
    }
  }
  images: string[]
  conditions?: { type: string; message: string }[]
  tree: TreeShape
  automated?: boolean
}

export interface BuildContext {
  namespace?: string
  project?: string
  resourceVersion: number
  /** The time the moment became current, for timestamps inside the object. */
  at: Date
}

export function buildApplication(
  moment: AppMoment,
  context: BuildContext,
): Record<string, unknown> {
  const at = context.at.toISOString()
  const history = [
    {
      id: 1,
      revision: oldRevision,
      deployStartedAt: '2026-11-20T10:00:00Z',
      deployedAt: '2026-11-20T10:00:40Z',
      source,
      initiatedBy: { automated: true },
    },
  ]
  if (moment.operation?.phase === 'Succeeded') {
    history.push({
      id: 2,
      revision: moment.operation.revision,
      deployStartedAt: at,
      deployedAt: at,
      source,
      initiatedBy: { automated: true },
    })
  }
  const status: Record<string, unknown> = {
    resources: [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: destinationNamespace,
        name: appName,
        status: moment.sync,
        // v3.6.2 still serves each resource's health here (as well as in the resource tree).
        health: { status: moment.health === 'Degraded' ? 'Degraded' : 'Healthy' },
      },
      {
        version: 'v1',
        kind: 'Service',
        namespace: destinationNamespace,
        name: appName,
        status: 'Synced',
        health: { status: 'Healthy' },
      },
    ],
    sync: {
      status: moment.sync,
      comparedTo: { source, destination },
      ...(moment.revisions ? { revisions: moment.revisions } : { revision: moment.revision }),
    },
    health: { status: moment.health, lastTransitionTime: at },
    history,
    reconciledAt: at,
    sourceType: 'Kustomize',
    summary: { images: moment.images },
    controllerNamespace: controlNamespace,
    resourceHealthSource: 'appTree',
    // Not omitted when empty: v3.6.2 serves `{}` for an app without a source hydrator.
    sourceHydrator: {},
  }
  if (moment.conditions) {
    status.conditions = moment.conditions.map((condition) => ({
      ...condition,
      lastTransitionTime: at,
    }))
  }
  if (moment.operation) status.operationState = operationState(moment.operation, at)
  const application: Record<string, unknown> = {
    metadata: {
      name: appName,
      namespace: context.namespace ?? controlNamespace,
      uid: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
      resourceVersion: String(context.resourceVersion),
      generation: context.resourceVersion,
      creationTimestamp: created,
      labels: { 'app.kubernetes.io/part-of': 'golden-path' },
      managedFields: [
        {
          manager: 'argocd-controller',
          operation: 'Update',
          apiVersion: 'argoproj.io/v1alpha1',
          time: at,
          fieldsType: 'FieldsV1',
          fieldsV1: {},
        },
      ],
    },
    spec: {
      project: context.project ?? 'default',
      source,
      destination,
      syncPolicy:
        moment.automated === false
          ? { syncOptions: ['CreateNamespace=true'] }
          : {
              automated: { enabled: true, prune: true, selfHeal: true },
              syncOptions: ['CreateNamespace=true'],
            },
    },
    status,
  }
  // While an operation runs, Argo CD keeps the request in `operation` as well as in `status.operationState`.
  if (
    moment.operation &&
    (moment.operation.phase === 'Running' || moment.operation.phase === 'Terminating')
  ) {
    application.operation = operationRequest(moment.operation.revision)
  }
  return application
}

/** The sync an automated sync policy (prune, with retries) requests, as Argo CD records it. */
function operationRequest(revision: string) {
  return {
    sync: { revision, prune: true, source, syncOptions: ['CreateNamespace=true'] },
    initiatedBy: { automated: true },
    retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
  }
}

function operationState(operation: NonNullable<AppMoment['operation']>, at: string) {
  const finished = operation.phase !== 'Running' && operation.phase !== 'Terminating'
  const resources = [
    {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: destinationNamespace,
      name: appName,
      status: 'Synced',
      message: 'deployment.apps/web configured',
      hookPhase: 'Running',
      syncPhase: 'Sync',
      images: [newImage],
    },
  ]
  const failed = operation.failedResource
  if (failed?.refused) {
    resources.push({
      group: failed.group ?? '',
      version: 'v1',
      kind: failed.kind,
      namespace: destinationNamespace,
      name: failed.name,
      status: 'SyncFailed',
      message: failed.message,
      syncPhase: 'Sync',
    } as (typeof resources)[number])
  } else if (failed) {
    resources.push({
      group: failed.group ?? 'apps',
      version: 'v1',
      kind: failed.kind,
      namespace: destinationNamespace,
      name: failed.name,
      status: 'SyncFailed',
      message: failed.message,
      hookPhase: 'Failed',
      syncPhase: 'Sync',
      images: [newImage],
    })
  }
  // Between retries the phase is Running with the failed attempt's finishedAt and results.
  const retrying = operation.retryCount !== undefined && operation.retryCount > 0
  return {
    operation: operationRequest(operation.revision),
    phase: operation.phase,
    message: operation.message,
    ...(retrying ? { retryCount: operation.retryCount } : {}),
    startedAt: at,
    ...(finished || retrying ? { finishedAt: at } : {}),
    syncResult: { revision: operation.revision, source, resources },
  }
}

export function buildResourceTree(moment: AppMoment): Record<string, unknown> {
  const replicaSet = moment.tree === 'healthy' ? `${appName}-7c9f8d6b5` : `${appName}-6c9d8f7b5`
  const deploymentHealth = {
    healthy: { status: 'Healthy' },
    progressing: {
      status: 'Progressing',
      message: `Waiting for rollout to finish: 1 out of 2 new replicas have been updated...`,
    },
    crashloop: {
      status: 'Degraded',
      message: `Deployment "${appName}" exceeded its progress deadline`,
    },
  }[moment.tree]
  const deployment = {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: destinationNamespace,
    name: appName,
    uid: 'a1b2c3d4-0001-4000-8000-000000000001',
    resourceVersion: '88120',
    createdAt: created,
    health: deploymentHealth,
    info: [{ name: 'Revision', value: 'Rev:2' }],
    images: moment.images,
  }
  const rs = {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    namespace: destinationNamespace,
    name: replicaSet,
    uid: 'a1b2c3d4-0002-4000-8000-000000000002',
    resourceVersion: '88121',
    createdAt: created,
    parentRefs: [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: destinationNamespace,
        name: appName,
        uid: deployment.uid,
      },
    ],
    health:
      moment.tree === 'healthy'
        ? { status: 'Healthy' }
        : {
            status: 'Progressing',
            message: 'Waiting for rollout to finish: 0 of 2 updated replicas are available...',
          },
    info: [{ name: 'Revision', value: 'Rev:2' }],
  }
  const pod = (suffix: string) => {
    const name = `${replicaSet}-${suffix}`
    const health =
      moment.tree === 'crashloop'
        ? {
            status: 'Degraded',
            message: `back-off 40s restarting failed container=app pod=${name}_${destinationNamespace}(5e1f0a2b-7c3d-4e5f-9a8b-0c1d2e3f4a5b)`,
          }
        : moment.tree === 'progressing'
          ? { status: 'Progressing' }
          : { status: 'Healthy' }
    return {
      version: 'v1',
      kind: 'Pod',
      namespace: destinationNamespace,
      name,
      uid: `a1b2c3d4-0003-4000-8000-0000000000${suffix.slice(0, 2)}`,
      resourceVersion: '88125',
      createdAt: created,
      parentRefs: [
        {
          group: 'apps',
          version: 'v1',
          kind: 'ReplicaSet',
          namespace: destinationNamespace,
          name: replicaSet,
          uid: rs.uid,
        },
      ],
      networkingInfo: {
        labels: { 'app.kubernetes.io/name': appName, 'pod-template-hash': replicaSet.slice(-9) },
      },
      health,
      info: [
        {
          name: 'Status Reason',
          value: moment.tree === 'crashloop' ? 'CrashLoopBackOff' : 'Running',
        },
        { name: 'Node', value: 'worker-1' },
        { name: 'Containers', value: moment.tree === 'healthy' ? '1/1' : '0/1' },
        { name: 'Restart Count', value: moment.tree === 'crashloop' ? '4' : '0' },
      ],
      images: moment.tree === 'healthy' ? moment.images : [newImage],
    }
  }
  const service = {
    version: 'v1',
    kind: 'Service',
    namespace: destinationNamespace,
    name: appName,
    uid: 'a1b2c3d4-0004-4000-8000-000000000004',
    resourceVersion: '70001',
    createdAt: created,
    health: { status: 'Healthy' },
    networkingInfo: { targetLabels: { 'app.kubernetes.io/name': appName } },
  }
  return {
    nodes: [deployment, rs, pod('x2x8q'), pod('k7p4z'), service],
    hosts: [
      {
        name: 'worker-1',
        resourcesInfo: [
          { resourceName: 'cpu', requestedByNeighbors: 250, capacity: 4000 },
          { resourceName: 'memory', requestedByNeighbors: 268435456000, capacity: 16777216000000 },
        ],
        systemInfo: {
          machineID: 'c0ffee00c0ffee00c0ffee00c0ffee00',
          systemUUID: 'ec2b1a5e-0000-4000-8000-000000000001',
          bootID: '5b1d0f3e-0000-4000-8000-000000000002',
          kernelVersion: '6.8.0-1015-aws',
          osImage: 'Ubuntu 24.04.1 LTS',
          containerRuntimeVersion: 'containerd://1.7.22',
          kubeletVersion: 'v1.37.2',
          kubeProxyVersion: 'v1.37.2',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    ],
  }
}

/** `runtimeError`, the gateway's error body. Codes are gRPC codes (16 unauthenticated, 7 permission denied, 5 not found). */
export function runtimeError(code: number, message: string): Record<string, unknown> {
  return { error: message, code, message, details: [] }
}
