/**
 * The parts of Argo CD's API objects that verification reads, named as in the
 * v3.6.2 swagger definitions (`v1alpha1Application`, `v1alpha1ApplicationTree`,
 * `v1alpha1ApplicationWatchEvent`). Every field is optional because the API
 * omits empty values.
 */
export interface Application {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string }
  spec?: { project?: string; syncPolicy?: { automated?: Record<string, unknown> } }
  operation?: { sync?: { revision?: string; revisions?: string[] } }
  status?: ApplicationStatus
}

export interface ApplicationStatus {
  sync?: { status?: string; revision?: string; revisions?: string[] }
  health?: { status?: string; message?: string }
  operationState?: OperationState
  conditions?: { type?: string; message?: string; lastTransitionTime?: string }[]
  summary?: { images?: string[] }
  reconciledAt?: string
}

export interface OperationState {
  phase?: string
  message?: string
  /** Attempts an automated sync has retried; while it waits to retry, phase stays Running. */
  retryCount?: number
  startedAt?: string
  finishedAt?: string
  operation?: { sync?: { revision?: string; revisions?: string[] } }
  syncResult?: {
    revision?: string
    revisions?: string[]
    resources?: ResourceResult[]
  }
}

export interface ResourceResult {
  group?: string
  kind?: string
  namespace?: string
  name?: string
  status?: string
  message?: string
  hookPhase?: string
}

export interface ResourceNode {
  group?: string
  version?: string
  kind?: string
  namespace?: string
  name?: string
  health?: { status?: string; message?: string }
}

export interface ApplicationTree {
  nodes?: ResourceNode[]
}

/** One message of `GET /api/v1/stream/applications`: `{"result": ApplicationWatchEvent}`. */
export interface ApplicationWatchEvent {
  type?: string
  application?: Application
}
