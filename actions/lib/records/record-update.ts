import { UsageError } from '../errors'
import {
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliveryTrigger,
  deliveryTriggers,
  recordApiVersion,
  recordKind,
  toUtc,
  utcTimestamp,
} from './delivery-record'

/**
 * What a writer knows about a delivery, as `golden-path record` flags and the
 * record-delivery action's inputs give it: every field optional, because a later
 * writer (the verification of a rollback) only changes the outcome.
 */
export interface RecordPatch {
  environment?: string
  app?: string
  trigger?: string
  outcome?: string
  gitopsRepository?: string
  gitopsPath?: string
  imageName?: string
  imageDigest?: string
  sourceRepository?: string
  sourceCommit?: string
  sourceCommittedAt?: string
  startedAt?: string
  finishedAt?: string
  healthyAt?: string
  verified?: boolean
  failureStep?: string
  failureMessage?: string
}

const time = (flag: string, value: string) => {
  try {
    return toUtc(value)
  } catch {
    throw new UsageError(
      `invalid ${flag} '${value}': expected an RFC 3339 time, e.g. 2026-11-02T10:00:00Z`,
    )
  }
}

/**
 * The record on `commit` after applying `patch` to what is there (or to nothing):
 * given fields replace, missing ones keep their value, and the outcome's rules hold
 * (healthyAt only when healthy, failure when failed, rollback only when rolled back).
 */
export function applyRecordPatch(
  existing: DeliveryRecord | undefined,
  commit: string,
  patch: RecordPatch,
  now: number,
): DeliveryRecord {
  const missing: string[] = []
  const pick = (flag: string, given: string | undefined, kept: string | undefined) => {
    const value = given ?? kept
    if (value === undefined || value === '') missing.push(flag)
    return value ?? ''
  }
  if (
    patch.trigger !== undefined &&
    !(deliveryTriggers as readonly string[]).includes(patch.trigger)
  ) {
    throw new UsageError(
      `invalid --trigger '${patch.trigger}': expected one of ${deliveryTriggers.join(', ')}`,
    )
  }
  if (patch.outcome !== undefined && !['healthy', 'failed'].includes(patch.outcome)) {
    throw new UsageError(
      `invalid --outcome '${patch.outcome}': expected healthy or failed (rollback marks rolled-back itself)`,
    )
  }
  if (patch.imageDigest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(patch.imageDigest)) {
    throw new UsageError(
      `invalid --digest '${patch.imageDigest}': expected sha256: and 64 hex digits`,
    )
  }
  if (patch.sourceCommit !== undefined && !/^[0-9a-f]{40}$/.test(patch.sourceCommit)) {
    throw new UsageError(
      `invalid --source-commit '${patch.sourceCommit}': expected a full 40-character commit id`,
    )
  }
  const finishedAt =
    patch.finishedAt !== undefined
      ? time('--finished-at', patch.finishedAt)
      : (existing?.finishedAt ?? utcTimestamp(now))
  const record: DeliveryRecord = {
    apiVersion: recordApiVersion,
    kind: recordKind,
    environment: pick('--environment', patch.environment, existing?.environment),
    app: patch.app ?? existing?.app ?? '',
    trigger: pick('--trigger', patch.trigger, existing?.trigger) as DeliveryTrigger,
    source: {
      repository: pick('--source-repository', patch.sourceRepository, existing?.source.repository),
      commit: pick('--source-commit', patch.sourceCommit, existing?.source.commit),
      committedAt:
        patch.sourceCommittedAt !== undefined
          ? time('--source-committed-at', patch.sourceCommittedAt)
          : pick('--source-committed-at', undefined, existing?.source.committedAt),
    },
    image: {
      name: pick('--image', patch.imageName, existing?.image.name),
      digest: pick('--digest', patch.imageDigest, existing?.image.digest),
    },
    gitops: {
      repository: pick('--repo', patch.gitopsRepository, existing?.gitops.repository),
      path: pick('--gitops-path', patch.gitopsPath, existing?.gitops.path),
      commit,
    },
    startedAt:
      patch.startedAt !== undefined
        ? time('--started-at', patch.startedAt)
        : pick('--started-at', undefined, existing?.startedAt),
    finishedAt,
    outcome: pick('--outcome', patch.outcome, existing?.outcome) as DeliveryOutcome,
  }
  const verified = patch.verified ?? existing?.verified
  if (verified !== undefined) record.verified = verified
  if (missing.length > 0) {
    throw new UsageError(
      `no record on ${commit.slice(0, 12)} to complete: give ${missing.join(', ')}`,
    )
  }
  if (record.outcome === 'healthy') {
    record.healthyAt =
      patch.healthyAt !== undefined
        ? time('--healthy-at', patch.healthyAt)
        : patch.outcome === undefined
          ? (existing?.healthyAt ?? finishedAt)
          : finishedAt
  } else {
    const failure = existing?.failure
    record.failure = {
      step: patch.failureStep ?? failure?.step ?? 'verify',
      message: patch.failureMessage ?? failure?.message ?? '',
    }
    if (record.outcome === 'rolled-back' && existing?.rollback) record.rollback = existing.rollback
  }
  return record
}
