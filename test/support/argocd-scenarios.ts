import { type AppMoment, newImage, newRevision, oldImage, oldRevision } from './argocd-fixtures'

/** A failure the simulator serves instead of the real answer, for one request. */
export type Fault =
  | { status: 502 | 503 | 500 }
  | { status: 429; retryAfterSeconds: number }
  | { slowMs: number }
  | { malformed: true }

export interface Frame {
  /** Milliseconds after the scenario's clock started. */
  atMs: number
  moment: AppMoment
}

export interface Scenario {
  name: string
  frames: Frame[]
  /** 'first-request': the timeline plays from the first request; 'sync': only once a sync is requested. */
  clockStartsOn: 'first-request' | 'sync'
  stream: 'ndjson-or-sse' | 'unavailable'
  /** Close the first `times` stream connections after `afterEvents` events, mid-message. */
  streamDrops?: { afterEvents: number; times: number }
  /** Write a line that is not JSON into the first stream connection after its first event. */
  streamMalformed?: boolean
  /** Served in order to the first requests of each kind. */
  faults?: { get?: Fault[]; stream?: Fault[]; tree?: Fault[] }
  /** The app is absent (404), or lives in another namespace than the default one. */
  exists?: boolean
  namespace?: string
  /** A sync request is refused because an operation already runs (gRPC FailedPrecondition, HTTP 400). */
  syncConflict?: boolean
  /** The app is deleted this long after the clock starts: a DELETED event, then 404s. */
  deleteAfterMs?: number
  /** The token is valid but may not read the app (403). */
  forbidden?: boolean
}

const synced = (revision: string, images: string[]): AppMoment => ({
  sync: 'Synced',
  health: 'Healthy',
  revision,
  operation: { phase: 'Succeeded', revision, message: 'successfully synced (all tasks run)' },
  images,
  tree: 'healthy',
})

/**
 * The real sequence of an automated sync after a GitOps write-back: Synced and
 * Healthy at the OLD revision, OutOfSync against the new one, the operation
 * Running, Synced at the new revision while Progressing, then Healthy.
 */
export function rolloutFrames(stepMs: number, automated = true): Frame[] {
  const moments: AppMoment[] = [
    synced(oldRevision, [oldImage]),
    {
      ...synced(oldRevision, [oldImage]),
      sync: 'OutOfSync',
      revision: newRevision,
    },
    {
      sync: 'OutOfSync',
      health: 'Healthy',
      revision: newRevision,
      operation: {
        phase: 'Running',
        revision: newRevision,
        message: 'one or more tasks are running',
      },
      images: [oldImage],
      tree: 'healthy',
    },
    {
      sync: 'Synced',
      health: 'Progressing',
      revision: newRevision,
      operation: {
        phase: 'Running',
        revision: newRevision,
        message: 'waiting for healthy state of apps/Deployment/web',
      },
      images: [oldImage, newImage],
      tree: 'progressing',
    },
    {
      sync: 'Synced',
      health: 'Progressing',
      revision: newRevision,
      operation: {
        phase: 'Succeeded',
        revision: newRevision,
        message: 'successfully synced (all tasks run)',
      },
      images: [oldImage, newImage],
      tree: 'progressing',
    },
    synced(newRevision, [newImage]),
  ]
  return moments.map((moment, index) => ({
    atMs: index * stepMs,
    moment: { ...moment, automated },
  }))
}

export function degradedFrames(stepMs: number): Frame[] {
  const frames = rolloutFrames(stepMs).slice(0, 5)
  frames.push({
    atMs: 5 * stepMs,
    moment: {
      sync: 'Synced',
      health: 'Degraded',
      revision: newRevision,
      operation: {
        phase: 'Succeeded',
        revision: newRevision,
        message: 'successfully synced (all tasks run)',
      },
      images: [oldImage, newImage],
      tree: 'crashloop',
    },
  })
  return frames
}

export function failedOperationFrames(stepMs: number): Frame[] {
  const frames = rolloutFrames(stepMs).slice(0, 3)
  const message =
    'one or more objects failed to apply, reason: Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value'
  frames.push({
    atMs: 3 * stepMs,
    moment: {
      sync: 'OutOfSync',
      health: 'Healthy',
      revision: newRevision,
      operation: {
        phase: 'Failed',
        revision: newRevision,
        message,
        failedResource: {
          kind: 'Deployment',
          name: 'web',
          message:
            'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value',
        },
      },
      images: [oldImage],
      tree: 'healthy',
    },
  })
  return frames
}

/**
 * An automated sync (with retries) to a revision that adds a kind the AppProject does not
 * admit: each attempt is refused before anything is applied, and Argo CD retries with backoff
 * (5 s, 10 s, 20 s…), the phase Running between attempts, as v3.6.2 does.
 */
export function projectRefusedFrames(stepMs: number, revision = newRevision): Frame[] {
  const refusal = `resource :ConfigMap is not permitted in project default`
  const frames = rolloutFrames(stepMs).slice(0, 2)
  for (const retryCount of [1, 2, 3]) {
    frames.push({
      atMs: frames.length * stepMs,
      moment: {
        sync: 'OutOfSync',
        health: 'Healthy',
        revision,
        operation: {
          phase: 'Running',
          revision,
          retryCount,
          message: `one or more synchronization tasks are not valid: ${refusal}. Retrying attempt #${retryCount} at 2026-12-07T00:43:50Z.`,
          failedResource: {
            group: '',
            kind: 'ConfigMap',
            name: 'extra',
            message: refusal,
            refused: true,
          },
        },
        images: [oldImage],
        tree: 'healthy',
      },
    })
  }
  return frames
}

/**
 * The OLD revision's sync keeps being refused and retried; then the new revision (which
 * drops the refused resource) is pushed and rolls out: the old failure must not fail it.
 */
export function olderRevisionRefusedFrames(stepMs: number): Frame[] {
  const refusal = `resource :ConfigMap is not permitted in project default`
  const refused: Frame = {
    atMs: 0,
    moment: {
      sync: 'OutOfSync',
      health: 'Healthy',
      revision: oldRevision,
      operation: {
        phase: 'Running',
        revision: oldRevision,
        retryCount: 2,
        message: `one or more synchronization tasks are not valid: ${refusal}. Retrying attempt #2 at 2026-12-07T00:43:50Z.`,
        failedResource: {
          group: '',
          kind: 'ConfigMap',
          name: 'extra',
          message: refusal,
          refused: true,
        },
      },
      images: [oldImage],
      tree: 'healthy',
    },
  }
  const rollout = rolloutFrames(stepMs).slice(2)
  return [
    refused,
    { atMs: stepMs, moment: { ...refused.moment, revision: newRevision } },
    ...rollout.map((frame, index) => ({ ...frame, atMs: (index + 2) * stepMs })),
  ]
}

/** Synced and Healthy at the old revision, and it stays so: must never pass. */
export function stuckAtOldFrames(): Frame[] {
  return [{ atMs: 0, moment: synced(oldRevision, [oldImage]) }]
}

export function comparisonErrorFrames(stepMs: number): Frame[] {
  return [
    { atMs: 0, moment: synced(oldRevision, [oldImage]) },
    {
      atMs: stepMs,
      moment: {
        ...synced(oldRevision, [oldImage]),
        sync: 'Unknown',
        revision: newRevision,
        conditions: [
          {
            type: 'ComparisonError',
            message:
              "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = kustomize build manifests/overlays/prod failed: accumulating resources: 'deployment.yaml' not found",
          },
        ],
      },
    },
  ]
}

export function multiSourceFrames(stepMs: number, second: string): Frame[] {
  return rolloutFrames(stepMs).map((frame) => ({
    ...frame,
    moment: {
      ...frame.moment,
      revisions: [
        frame.moment.revision,
        frame.moment.revision === newRevision ? second : frame.moment.revision,
      ],
    },
  }))
}

export function scenario(name: string, frames: Frame[], extra: Partial<Scenario> = {}): Scenario {
  return { name, frames, clockStartsOn: 'first-request', stream: 'ndjson-or-sse', ...extra }
}
