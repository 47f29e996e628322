import type { Application, OperationState, ResourceResult } from './application'
import { type ExpectedRevision, revisionMatches, shortRevision } from './revision'

/** What verification expects to find in the Application once the rollout is done. */
export interface SyncExpectations {
  /** Absent: whatever revision Argo CD targets now; the app must be Synced to it and Healthy. */
  revision?: ExpectedRevision
  /** Image references that must all appear in `status.summary.images`. */
  images: readonly string[]
}

export type FailureKind =
  | 'operation-failed'
  | 'condition-error'
  | 'ambiguous-revision'
  | 'deleted'
  | 'degraded'

export type SyncVerdict =
  | { state: 'verified'; reason: string }
  | { state: 'failed'; kind: FailureKind; reason: string }
  /** `degradedAtRevision`: the expected revision is applied and the app is Degraded, which fails after a grace period. */
  | { state: 'pending'; reason: string; degradedAtRevision: boolean }

/** Conditions that mean Argo CD cannot compare or sync the app; waiting will not fix them. */
const blockingConditions = new Set(['ComparisonError', 'SyncError', 'InvalidSpecError'])
const failedPhases = new Set(['Failed', 'Error'])
const runningPhases = new Set(['Running', 'Terminating'])

/**
 * Why Argo CD refused a resource for good: another attempt at the same revision applies the
 * same manifests under the same rules and fails the same way, so an automated sync's retries
 * (`Retrying attempt #N`) cannot succeed. Other failures (the API server unreachable, a kind
 * whose CRD another app is still installing, a webhook timing out) may pass on a retry and
 * are waited for.
 */
const permanentRefusals = [
  // The AppProject does not admit the kind or the namespace (Argo CD's sync-time check:
  // "resource :ConfigMap is not permitted in project P", "namespace N is not permitted in project 'P'").
  /\bis not permitted in project\b/,
  // The API server rejected the object itself (HTTP 422), e.g. `Deployment.apps "web" is
  // invalid: spec.template…: Required value`, or a changed immutable field.
  /\bis invalid: /,
]

/** The revisions Argo CD last compared against: `revisions` for multi-source apps, else `revision`. */
export function syncedRevisions(app: Application): string[] {
  const sync = app.status?.sync
  if (sync?.revisions && sync.revisions.length > 0) return sync.revisions
  return sync?.revision ? [sync.revision] : []
}

export function operationRevisions(app: Application): string[] {
  const state = app.status?.operationState
  const requested = state?.operation?.sync
  const result = state?.syncResult
  for (const candidate of [requested?.revisions, result?.revisions]) {
    if (candidate && candidate.length > 0) return candidate
  }
  const single = requested?.revision || result?.revision
  return single ? [single] : []
}

function allMatch(
  expected: ExpectedRevision | undefined,
  revisions: string[],
  synced: string[],
): boolean {
  if (revisions.length === 0) return false
  if (expected === undefined) return revisions.every((revision) => synced.includes(revision))
  return revisions.every((revision) => revisionMatches(expected, revision))
}

/** How messages name the target: the expected SHA, shortened, or Argo CD's own target. */
export function describeTarget(revision: ExpectedRevision | undefined): string {
  return revision ? shortRevision(revision.value) : 'its target revision'
}

/** Synced, and compared against the expected revision (every source of a multi-source app). */
export function isSyncedAt(app: Application, revision: ExpectedRevision | undefined): boolean {
  const synced = syncedRevisions(app)
  return app.status?.sync?.status === 'Synced' && allMatch(revision, synced, synced)
}

/**
 * Judges one observed state of the Application against the expectations.
 * Success needs every condition at once: Synced, at the expected revision(s),
 * the sync operation for that revision (if any) Succeeded, Healthy, and every
 * expected image deployed. An app that is Synced and Healthy at an older
 * revision is still pending.
 */
export function judgeApplication(app: Application, expected: SyncExpectations): SyncVerdict {
  const status = app.status ?? {}
  const want = describeTarget(expected.revision)
  const revisions = syncedRevisions(app)
  const wanted = expected.revision

  if (wanted?.abbreviated) {
    const seen = new Set(
      [...revisions, ...operationRevisions(app)]
        .map((revision) => revision.toLowerCase())
        .filter((revision) => revisionMatches(wanted, revision)),
    )
    if (seen.size > 1) {
      return {
        state: 'failed',
        kind: 'ambiguous-revision',
        reason: `revision '${wanted.value}' is ambiguous: it abbreviates ${[...seen].join(', ')}; pass the full SHA`,
      }
    }
  }

  const operation = status.operationState
  const operationForRevision = allMatch(wanted, operationRevisions(app), revisions)
  if (operation && operationForRevision && failedPhases.has(operation.phase ?? '')) {
    const refused = refusedResources(operation)
    return {
      state: 'failed',
      kind: 'operation-failed',
      reason: `sync operation to ${want} ${operation.phase}: ${
        refused.length > 0 ? describeRefused(refused) : (operation.message ?? '(no message)')
      }`,
    }
  }
  const retry = operation && operationForRevision ? permanentlyRefused(operation) : undefined
  if (retry) {
    return {
      state: 'failed',
      kind: 'operation-failed',
      reason: `sync operation to ${want} cannot succeed: ${describeRefused(retry)} (Argo CD retries it, attempt #${operation?.retryCount}; the same revision fails the same way)`,
    }
  }

  const blocking = conditionsConcern(app, wanted)
    ? (status.conditions ?? []).find((condition) => blockingConditions.has(condition.type ?? ''))
    : undefined
  if (blocking) {
    return {
      state: 'failed',
      kind: 'condition-error',
      reason: `${blocking.type}: ${blocking.message ?? '(no message)'}`,
    }
  }

  const atRevision = allMatch(wanted, revisions, revisions)
  const syncStatus = status.sync?.status ?? 'Unknown'
  const health = status.health?.status ?? 'Unknown'
  const synced = syncStatus === 'Synced' && atRevision
  const at = revisions.map(shortRevision).join(', ') || '(no revision)'

  if (!synced) {
    return {
      state: 'pending',
      reason: `${syncStatus} at ${at}, waiting for Synced at ${want}`,
      degradedAtRevision: false,
    }
  }
  const operationInFlight =
    app.operation !== undefined ||
    (operation !== undefined && operationForRevision && runningPhases.has(operation.phase ?? ''))
  if (operationInFlight) {
    return {
      state: 'pending',
      reason: `Synced at ${want}, sync operation ${operation?.phase ?? 'requested'}`,
      degradedAtRevision: health === 'Degraded',
    }
  }
  if (health !== 'Healthy') {
    return {
      state: 'pending',
      reason: `Synced at ${want}, health ${health}`,
      degradedAtRevision: health === 'Degraded',
    }
  }
  const deployed = new Set((status.summary?.images ?? []).map(imageIdentity))
  const missing = expected.images.filter((image) => !deployed.has(imageIdentity(image)))
  if (missing.length > 0) {
    // An app Healthy with no image at all: Argo CD sees no Pod of it (the usual cause: an
    // AppProject that does not admit ReplicaSets and Pods hides them from the resource tree).
    const none =
      deployed.size === 0
        ? ' (Argo CD lists no image for the app: its AppProject must admit ReplicaSets and Pods)'
        : ''
    return {
      state: 'pending',
      reason: `Synced and Healthy at ${want}, images not deployed yet: ${missing.join(', ')}${none}`,
      degradedAtRevision: false,
    }
  }
  return { state: 'verified', reason: `Synced and Healthy at ${want}` }
}

/**
 * Whether the app's conditions speak about the expected revision. Argo CD sets them while
 * comparing or auto-syncing the revision it last compared (`status.sync.revision`): a
 * `SyncError` left by an older revision ("Failed last sync attempt to [old]") must not fail
 * the verification of a newer one, and lasts only until Argo CD compares the new revision.
 * When the compared revision is not a commit (Argo CD could not resolve or render the
 * target, and reports the branch), the conditions are about the branch's head: they count.
 */
function conditionsConcern(app: Application, expected: ExpectedRevision | undefined): boolean {
  const compared = syncedRevisions(app)
  if (expected === undefined || compared.length === 0) return true
  if (compared.some((revision) => !/^[0-9a-f]{40}$/i.test(revision))) return true
  return compared.every((revision) => revisionMatches(expected, revision))
}

/** Resources the operation's last attempt could not apply (`syncResult.resources`). */
function refusedResources(operation: OperationState): ResourceResult[] {
  return (operation.syncResult?.resources ?? []).filter(
    (resource) => resource.status === 'SyncFailed',
  )
}

/**
 * While an automated sync retries (phase Running, `retryCount` ≥ 1, finished attempt kept in
 * `syncResult`), the refused resources when every one of them was refused for good.
 */
function permanentlyRefused(operation: OperationState): ResourceResult[] | undefined {
  if (!runningPhases.has(operation.phase ?? '') || (operation.retryCount ?? 0) < 1) return undefined
  const refused = refusedResources(operation)
  if (refused.length === 0) return undefined
  const permanent = refused.every((resource) =>
    permanentRefusals.some((pattern) => pattern.test(resource.message ?? '')),
  )
  return permanent ? refused : undefined
}

/** `ConfigMap/extra: resource :ConfigMap is not permitted in project P; …` */
function describeRefused(resources: ResourceResult[]): string {
  return resources
    .map(
      (resource) =>
        `${resource.kind ?? '?'}/${resource.name ?? '?'}: ${resource.message || '(no message)'}`,
    )
    .join('; ')
}

/**
 * What names one image: `repo:tag@digest` runs the same bytes as `repo@digest` (the digest
 * decides; the tag is a label), so an overlay pinning both matches an expected `repo@digest`.
 */
export function imageIdentity(reference: string): string {
  const at = reference.indexOf('@')
  if (at < 0) return reference
  const name = reference.slice(0, at)
  const colon = name.lastIndexOf(':')
  return colon > name.lastIndexOf('/') ? `${name.slice(0, colon)}${reference.slice(at)}` : reference
}
