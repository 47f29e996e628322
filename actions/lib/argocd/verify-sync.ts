import type { Logger } from '../ports'
import type { AbortableClock } from './abortable-clock'
import type { Application, ApplicationTree } from './application'
import { type Observation, observeApplication, type WatchMode } from './application-observer'
import type { ArgoCdClient, RefreshMode } from './client'
import {
  ApplicationNotFoundError,
  ArgoCdAuthError,
  ArgoCdResponseError,
  ArgoCdUnavailableError,
} from './errors'
import type { ExpectedRevision } from './revision'
import {
  describeTarget,
  imageIdentity,
  isSyncedAt,
  judgeApplication,
  operationRevisions,
  type SyncVerdict,
  syncedRevisions,
} from './sync-verdict'
import type {
  FailedSyncResource,
  TimelineEntry,
  UnhealthyResource,
  VerificationOutcome,
  VerificationPhases,
  VerificationResult,
} from './verification-result'

export interface VerifySyncOptions {
  app: string
  appNamespace?: string
  /** Absent: whatever revision Argo CD targets now. */
  revision?: ExpectedRevision
  images: readonly string[]
  refresh?: RefreshMode
  /** Ask Argo CD to sync to the revision: for apps without automated sync. */
  sync: boolean
  watch: WatchMode
  timeoutMs: number
  pollIntervalMs: number
  /** How long the app may stay Degraded at the expected revision before verification fails. */
  degradedGraceMs: number
  requestTimeoutMs: number
}

export interface VerifySyncPorts {
  client: ArgoCdClient
  clock: AbortableClock
  logger: Logger
}

const stableHealth = new Set(['Healthy'])

/**
 * How long reading the resource tree (to name the broken resources) may take once the outcome
 * is known, retries included: `--timeout` plus this bounds the whole command.
 */
export const diagnosticsAllowanceMs = 5_000

/**
 * Proves that Argo CD applied exactly `revision` to `app` and that the app is
 * healthy, or fails as soon as that cannot happen, naming what is broken.
 */
export async function verifyArgoSync(
  options: VerifySyncOptions,
  ports: VerifySyncPorts,
): Promise<VerificationResult> {
  const { client, clock, logger } = ports
  const startedMs = clock.now()
  const deadlineMs = startedMs + options.timeoutMs
  const run = new AbortController()
  const finished = new AbortController()
  void clock.sleep(options.timeoutMs, finished.signal).then(() => {
    if (!finished.signal.aborted) run.abort()
  })

  const tracker = new RolloutTracker(startedMs, clock, options)
  let watch: WatchMode = options.watch
  let outcome = 'timeout' as VerificationOutcome
  let message = ''
  let lastUnavailable = ''

  const settle = (verdict: SyncVerdict): boolean => {
    if (verdict.state === 'verified') {
      outcome = 'verified'
      message = verdict.reason
      return true
    }
    if (verdict.state === 'failed') {
      outcome = verdict.kind
      message = verdict.reason
      return true
    }
    return false
  }

  try {
    logger.info(
      `verifying that '${options.app}' is Synced and Healthy at ${describeTarget(options.revision)}`,
    )
    const initial = await client.getApplication(options.app, {
      refresh: options.refresh,
      signal: run.signal,
    })
    if (options.refresh) tracker.phases.refreshedAt = tracker.iso(clock.now())
    let done = settle(tracker.observe(initial))
    if (!done && options.sync) {
      logger.info(`requesting a sync of '${options.app}' to ${describeTarget(options.revision)}`)
      try {
        await client.syncApplication(options.app, options.revision?.value, run.signal)
        tracker.phases.syncRequestedAt = tracker.iso(clock.now())
      } catch (error) {
        // Argo CD refuses a second operation while one runs (FailedPrecondition); that one is watched instead.
        if (
          !(
            error instanceof ArgoCdResponseError &&
            /another operation is already in progress/i.test(error.message)
          )
        ) {
          throw error
        }
        logger.warning(`not requesting a sync: ${error.message}`)
      }
    }

    const observations = observeApplication(client, options.app, {
      mode: options.watch,
      pollIntervalMs: options.pollIntervalMs,
      maxStreamFailures: 5,
      clock,
      logger,
      signal: run.signal,
    })
    let pending: Promise<IteratorResult<Observation>> | undefined
    while (!done) {
      const now = clock.now()
      const degradedUntil =
        tracker.degradedSinceMs === undefined
          ? Infinity
          : tracker.degradedSinceMs + options.degradedGraceMs
      if (now >= degradedUntil) {
        outcome = 'degraded'
        message = `Degraded at ${describeTarget(options.revision)} for ${Math.round(options.degradedGraceMs / 1000)} s: ${tracker.healthMessage()}`
        break
      }
      if (now >= deadlineMs) break
      pending ??= observations.next()
      const next = await raceWithin(pending, Math.min(deadlineMs, degradedUntil) - now, clock)
      if (next === 'tick') continue
      pending = undefined
      if (next.done) break
      const observation = next.value
      watch = observation.via
      if (observation.kind === 'unavailable') {
        lastUnavailable = observation.reason
        continue
      }
      if (observation.kind === 'deleted') {
        outcome = 'deleted'
        message = `application '${options.app}' was deleted while verifying`
        break
      }
      done = settle(tracker.observe(observation.app))
    }
    pending?.catch(() => {})
  } catch (error) {
    // Only the deadline aborts `run` while the verification is still going.
    if (run.signal.aborted) {
      outcome = 'timeout'
    } else if (error instanceof ArgoCdAuthError) {
      outcome = 'unauthorized'
      message = error.message
    } else if (error instanceof ApplicationNotFoundError) {
      outcome = 'not-found'
      message = error.message
    } else if (error instanceof ArgoCdUnavailableError || error instanceof ArgoCdResponseError) {
      outcome = 'unreachable'
      message = error.message
    } else {
      throw error
    }
  } finally {
    finished.abort()
    run.abort()
  }

  if (outcome === 'timeout') {
    const seconds = Math.round(options.timeoutMs / 1000)
    const serverError = lastUnavailable || client.lastFailure
    message = `not verified within ${seconds} s: ${tracker.lastReason ?? 'no state observed'}${serverError ? ` (last server error: ${serverError})` : ''}`
  }
  const unhealthy =
    outcome === 'verified' ||
    outcome === 'unauthorized' ||
    outcome === 'not-found' ||
    outcome === 'unreachable'
      ? []
      : await unhealthyResources(client, options, logger)
  const result = tracker.result(outcome, message, watch, clock.now())
  result.degradedResources = unhealthy
  return result
}

/** Follows the observed states: phase timestamps, a timeline of changes, the latest verdict. */
class RolloutTracker {
  readonly phases: VerificationPhases
  readonly timeline: TimelineEntry[] = []
  degradedSinceMs: number | undefined
  lastReason: string | undefined
  private last: Application | undefined

  constructor(
    private readonly startedMs: number,
    private readonly clock: AbortableClock,
    private readonly options: VerifySyncOptions,
  ) {
    this.phases = {
      startedAt: this.iso(startedMs),
      refreshedAt: null,
      syncRequestedAt: null,
      firstObservedAt: null,
      outOfSyncAt: null,
      operationRunningAt: null,
      syncedAt: null,
      healthyAt: null,
      degradedAt: null,
      finishedAt: this.iso(startedMs),
    }
  }

  iso(ms: number): string {
    return new Date(ms).toISOString()
  }

  observe(app: Application): SyncVerdict {
    const now = this.clock.now()
    const at = this.iso(now)
    this.last = app
    const verdict = judgeApplication(app, {
      revision: this.options.revision,
      images: this.options.images,
    })
    this.lastReason = verdict.reason
    const status = app.status ?? {}
    const entry: TimelineEntry = {
      at,
      offsetSeconds: round((now - this.startedMs) / 1000),
      syncStatus: status.sync?.status ?? 'Unknown',
      health: status.health?.status ?? 'Unknown',
      revision: syncedRevisions(app).join(',') || '',
      operationPhase: status.operationState?.phase ?? (app.operation ? 'Requested' : ''),
    }
    const previous = this.timeline[this.timeline.length - 1]
    if (
      !previous ||
      previous.syncStatus !== entry.syncStatus ||
      previous.health !== entry.health ||
      previous.revision !== entry.revision ||
      previous.operationPhase !== entry.operationPhase
    ) {
      this.timeline.push(entry)
    }
    const phases = this.phases
    phases.firstObservedAt ??= at
    if (entry.syncStatus === 'OutOfSync') phases.outOfSyncAt ??= at
    if (entry.operationPhase === 'Running' || entry.operationPhase === 'Requested')
      phases.operationRunningAt ??= at
    const synced = isSyncedAt(app, this.options.revision)
    if (synced) phases.syncedAt ??= at
    if (synced && stableHealth.has(entry.health)) phases.healthyAt ??= at
    if (verdict.state === 'pending' && verdict.degradedAtRevision) {
      phases.degradedAt ??= at
      this.degradedSinceMs ??= now
    } else {
      this.degradedSinceMs = undefined
    }
    return verdict
  }

  healthMessage(): string {
    const health = this.last?.status?.health
    return health?.message
      ? `${health.status}: ${health.message}`
      : `health ${health?.status ?? 'Unknown'}`
  }

  result(
    outcome: VerificationOutcome,
    message: string,
    watch: WatchMode,
    nowMs: number,
  ): VerificationResult {
    const app = this.last
    const status = app?.status ?? {}
    const revisions = app ? syncedRevisions(app) : []
    const operation = status.operationState
    const deployed = status.summary?.images ?? []
    this.phases.finishedAt = this.iso(nowMs)
    return {
      verified: outcome === 'verified',
      outcome,
      message,
      app: this.options.app,
      appNamespace: this.options.appNamespace ?? null,
      expectedRevision: this.options.revision?.value ?? null,
      syncedRevision: status.sync?.revision ?? (revisions.length === 1 ? revisions[0] : null),
      syncedRevisions: revisions,
      syncStatus: status.sync?.status ?? null,
      health: status.health?.status ?? null,
      operation: operation
        ? {
            phase: operation.phase ?? '',
            message: operation.message ?? '',
            revision: app ? operationRevisions(app).join(',') || null : null,
            startedAt: operation.startedAt ?? null,
            finishedAt: operation.finishedAt ?? null,
          }
        : null,
      conditions: (status.conditions ?? []).map((condition) => ({
        type: condition.type ?? '',
        message: condition.message ?? '',
      })),
      images: {
        expected: [...this.options.images],
        deployed,
        missing: this.options.images.filter(
          (image) => !deployed.some((running) => imageIdentity(running) === imageIdentity(image)),
        ),
      },
      degradedResources: [],
      failedSyncResources: failedSyncResources(app),
      watch,
      durationSeconds: round((nowMs - this.startedMs) / 1000),
      phases: this.phases,
      timeline: this.timeline,
    }
  }
}

function failedSyncResources(app: Application | undefined): FailedSyncResource[] {
  const resources = app?.status?.operationState?.syncResult?.resources ?? []
  return resources
    .filter(
      (resource) =>
        resource.status === 'SyncFailed' ||
        resource.hookPhase === 'Failed' ||
        resource.hookPhase === 'Error',
    )
    .map((resource) => ({
      group: resource.group ?? '',
      kind: resource.kind ?? '',
      namespace: resource.namespace ?? '',
      name: resource.name ?? '',
      status: resource.status || resource.hookPhase || '',
      message: resource.message ?? '',
    }))
}

/**
 * Argo CD 3.x keeps per-resource health in the resource tree, not in
 * `status.resources`, so the broken resources are read from there.
 */
async function unhealthyResources(
  client: ArgoCdClient,
  options: VerifySyncOptions,
  logger: Logger,
): Promise<UnhealthyResource[]> {
  let tree: ApplicationTree
  try {
    tree = await client.resourceTree(options.app, AbortSignal.timeout(diagnosticsAllowanceMs))
  } catch (error) {
    logger.warning(
      `could not read the resource tree: ${error instanceof Error ? error.message : String(error)}`,
    )
    return []
  }
  return (tree.nodes ?? [])
    .filter((node) => node.health?.status && node.health.status !== 'Healthy')
    .map((node) => ({
      group: node.group ?? '',
      kind: node.kind ?? '',
      namespace: node.namespace ?? '',
      name: node.name ?? '',
      health: node.health?.status ?? '',
      message: node.health?.message ?? '',
    }))
}

/** The iterator's next result, or 'tick' when `milliseconds` pass first. */
async function raceWithin<T>(
  pending: Promise<T>,
  milliseconds: number,
  clock: AbortableClock,
): Promise<T | 'tick'> {
  const timer = new AbortController()
  try {
    return await Promise.race([
      pending,
      clock.sleep(milliseconds, timer.signal).then(() => 'tick' as const),
    ])
  } finally {
    timer.abort()
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000
}
