/**
 * The delivery record: one JSON document per delivery, stored as a git note on the
 * GitOps commit the delivery pushed (see docs/records.md). Other tools read these
 * documents, so the field names below are a contract: fields may be added, never renamed.
 */
export const recordApiVersion = 'golden-path.dev/v1'
export const recordKind = 'DeliveryRecord'
/** The notes ref every record lives under, in the GitOps repository. */
export const recordNotesRef = 'refs/notes/golden-path'

export type DeliveryTrigger = 'delivery' | 'promotion' | 'rollback'
export type DeliveryOutcome = 'healthy' | 'failed' | 'rolled-back'

export const deliveryTriggers: readonly DeliveryTrigger[] = ['delivery', 'promotion', 'rollback']
export const deliveryOutcomes: readonly DeliveryOutcome[] = ['healthy', 'failed', 'rolled-back']

export interface DeliveryRecord {
  apiVersion: typeof recordApiVersion
  kind: typeof recordKind
  environment: string
  app: string
  trigger: DeliveryTrigger
  source: { repository: string; commit: string; committedAt: string }
  image: { name: string; digest: string }
  gitops: { repository: string; path: string; commit: string }
  startedAt: string
  finishedAt: string
  outcome: DeliveryOutcome
  /** Only when outcome is healthy. */
  healthyAt?: string
  /** Whether Argo CD confirmed the outcome; false when nothing was verified. */
  verified?: boolean
  /** Present for failed and rolled-back. */
  failure?: { step: string; message: string }
  /** Only for rolled-back: the commit that put the previous image back. */
  rollback?: { commit: string; restoredDigest: string }
}

/** A time as RFC 3339 in UTC with a `Z`, to the second (what git and Argo CD report). */
export function utcTimestamp(milliseconds: number): string {
  return new Date(Math.floor(milliseconds / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** An RFC 3339 time with any offset (as `git log --format=%cI` prints), normalised to UTC `Z`. */
export function toUtc(time: string): string {
  const parsed = Date.parse(time)
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(time) ||
    Number.isNaN(parsed)
  ) {
    throw new Error(`'${time}' is not an RFC 3339 time (e.g. 2026-05-04T10:20:30Z)`)
  }
  return utcTimestamp(parsed)
}

export interface RecordFacts {
  environment: string
  app: string
  trigger: DeliveryTrigger
  source: DeliveryRecord['source']
  image: DeliveryRecord['image']
  gitops: DeliveryRecord['gitops']
  startedAt: number
  finishedAt: number
  outcome: 'healthy' | 'failed'
  verified: boolean
  /** When the outcome is healthy: when it was seen healthy (default finishedAt). */
  healthyAt?: number
  failure?: { step: string; message: string }
}

/** Builds a record from what a delivery knows, keeping the optional fields the contract allows. */
export function buildDeliveryRecord(facts: RecordFacts): DeliveryRecord {
  const record: DeliveryRecord = {
    apiVersion: recordApiVersion,
    kind: recordKind,
    environment: facts.environment,
    app: facts.app,
    trigger: facts.trigger,
    source: { ...facts.source, committedAt: toUtc(facts.source.committedAt) },
    image: { ...facts.image },
    gitops: { ...facts.gitops },
    startedAt: utcTimestamp(facts.startedAt),
    finishedAt: utcTimestamp(facts.finishedAt),
    outcome: facts.outcome,
    verified: facts.verified,
  }
  if (facts.outcome === 'healthy') {
    record.healthyAt = utcTimestamp(facts.healthyAt ?? facts.finishedAt)
  } else {
    record.failure = facts.failure ?? { step: 'verify', message: 'delivery failed' }
  }
  return record
}

/** The failed record, updated once its rollback is pushed. */
export function markRolledBack(
  record: DeliveryRecord,
  rollback: { commit: string; restoredDigest: string },
): DeliveryRecord {
  const { healthyAt: _healthy, ...rest } = record
  return {
    ...rest,
    outcome: 'rolled-back',
    failure: record.failure ?? { step: 'verify', message: 'delivery failed' },
    rollback: { ...rollback },
  }
}
