import type { WatchMode } from './application-observer'

export type VerificationOutcome =
  | 'verified'
  | 'degraded'
  | 'operation-failed'
  | 'condition-error'
  | 'ambiguous-revision'
  | 'deleted'
  | 'not-found'
  | 'unauthorized'
  | 'timeout'
  | 'unreachable'

/** A resource of the app that is not Healthy, as the resource tree reports it. */
export interface UnhealthyResource {
  group: string
  kind: string
  namespace: string
  name: string
  health: string
  message: string
}

/** A resource the sync operation could not apply (`operationState.syncResult.resources`). */
export interface FailedSyncResource {
  group: string
  kind: string
  namespace: string
  name: string
  status: string
  message: string
}

/** One observed change of the app's state. */
export interface TimelineEntry {
  at: string
  offsetSeconds: number
  syncStatus: string
  health: string
  revision: string
  operationPhase: string
}

/** When each step of the rollout was first observed (ISO 8601), or null if it never was. */
export interface VerificationPhases {
  startedAt: string
  refreshedAt: string | null
  syncRequestedAt: string | null
  firstObservedAt: string | null
  outOfSyncAt: string | null
  operationRunningAt: string | null
  syncedAt: string | null
  healthyAt: string | null
  degradedAt: string | null
  finishedAt: string
}

/**
 * What `golden-path verify --output json` prints and the action's `result`
 * output holds. Field names are a contract: workflows read them.
 */
export interface VerificationResult {
  verified: boolean
  outcome: VerificationOutcome
  message: string
  app: string
  appNamespace: string | null
  /** Null when none was given: then the revision Argo CD targets is verified. */
  expectedRevision: string | null
  syncedRevision: string | null
  syncedRevisions: string[]
  syncStatus: string | null
  health: string | null
  operation: {
    phase: string
    message: string
    revision: string | null
    startedAt: string | null
    finishedAt: string | null
  } | null
  conditions: { type: string; message: string }[]
  images: { expected: string[]; deployed: string[]; missing: string[] }
  degradedResources: UnhealthyResource[]
  failedSyncResources: FailedSyncResource[]
  watch: WatchMode
  durationSeconds: number
  phases: VerificationPhases
  timeline: TimelineEntry[]
}
