import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../errors'
import type { Clock, Logger } from '../ports'
import { bumpImages, defaultIdentity, defaultMaxAttempts } from '../writeback/bump-images'
import { planFileBumps } from '../writeback/file-bump-plan'
import type { GitIdentity, GitPort } from '../writeback/git-port'
import { assertValidDigest } from '../writeback/image-reference'
import { collectTargetFiles } from '../writeback/workspace-files'
import { WriteBackFailure } from '../writeback/write-back-failure'
import { buildDeliveryRecord, type DeliveryRecord, markRolledBack } from './delivery-record'
import { type TimedRecord, timedRecord } from './dora-metrics'
import type { GitNotesRecordStore } from './git-notes-records'

export const rollbackMessageTemplate = 'rollback({env}): {image} {old} → {new}'

export interface RollbackRequest {
  /** The GitOps repository: URL, bare repository or checkout (as bump takes it). */
  repo: string
  branch: string
  /** The overlay whose image values are restored. */
  path: string
  environment: string
  /** The digest to restore; default: the image of the last healthy record of the environment. */
  toDigest?: string
  /** The image repository to restore; default: the one the records name. */
  image?: string
  push: boolean
  identity?: GitIdentity
  maxAttempts?: number
  /** Base directory of a relative repository path. */
  workspace: string
}

export interface RollbackPorts {
  git: GitPort
  records: GitNotesRecordStore
  logger: Logger
  clock: Clock
  random: () => number
}

/** `--output json` is exactly {commit, restoredDigest, from}; the rest is for callers in code. */
export interface RollbackResult {
  commit: string | null
  restoredDigest: string
  from: string
  pushed: boolean
  /** The failed delivery's record, marked rolled-back (when there was one). */
  rolledBack?: DeliveryRecord
  /** The rollback's own record, as written (pushes only). */
  record?: DeliveryRecord
}

/** URL userinfo never reaches a record. */
const redact = (url: string) => url.replace(/(\w+:\/\/)[^/@\s]+@/, '$1')

interface RollbackPlan {
  image: string
  target: string
  failed?: TimedRecord
  /** The record whose image is restored, when one names it: the source of the rollback's record. */
  restored?: TimedRecord
  latest?: TimedRecord
}

/** Which image goes back, from the records of the environment (newest last). */
function planRollback(request: RollbackRequest, history: readonly TimedRecord[]): RollbackPlan {
  const latest = history[history.length - 1]
  const failed = latest && latest.record.outcome === 'failed' ? latest : undefined
  const before = failed ? history.slice(0, -1) : history
  const healthy = before.filter(
    (timed) =>
      timed.record.outcome === 'healthy' &&
      (!failed || timed.record.image.digest !== failed.record.image.digest),
  )
  if (request.toDigest !== undefined) {
    assertValidDigest(request.toDigest)
    const restored = [...history]
      .reverse()
      .find((timed) => timed.record.image.digest === request.toDigest)
    const image = request.image ?? restored?.record.image.name ?? latest?.record.image.name
    if (!image)
      throw new UsageError(`no records of ${request.environment} name the image: pass --image`)
    return { image, target: request.toDigest, failed, restored, latest }
  }
  const restored = healthy[healthy.length - 1]
  if (!restored) {
    throw new WriteBackFailure(
      `nothing healthy to go back to: no healthy delivery record of ${request.environment}${failed ? ' before the failed one' : ''}; nothing pushed`,
    )
  }
  return {
    image: request.image ?? restored.record.image.name,
    target: restored.record.image.digest,
    failed,
    restored,
    latest,
  }
}

/**
 * Where the overlay pins `image` now, and the digests it pins, read from the checkout. A
 * kustomization's `images:` entry, when one names the image, is the pin: kustomize rewrites the
 * resources' references with it, so those are its input and stay as they are. Otherwise every
 * file that names the image pins it.
 */
async function currentPins(
  root: string,
  path: string,
  image: string,
  target: string,
): Promise<{ files: string[]; digests: string[] }> {
  const files = await collectTargetFiles(root, [], [path])
  const found: { file: string; kustomize: boolean; digest: string }[] = []
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8')
    const plan = planFileBumps({ path: file, text }, [{ image, digest: target }], { add: false })
    for (const occurrence of plan.occurrences)
      found.push({
        file,
        kustomize: occurrence.locator.startsWith('kustomize:'),
        digest: occurrence.old.digest ?? `(tag ${occurrence.old.tag ?? 'none'})`,
      })
  }
  const pins = found.some((pin) => pin.kustomize) ? found.filter((pin) => pin.kustomize) : found
  return {
    files: [...new Set(pins.map((pin) => pin.file))],
    digests: [...new Set(pins.map((pin) => pin.digest))],
  }
}

/**
 * Restores the image values of an overlay to the last healthy image (or `toDigest`)
 * with bump's byte-exact edit, so any other change made since stays. Refuses, with
 * nothing pushed, when nothing healthy precedes the failure or when the overlay no
 * longer holds the failed delivery's image (someone changed it since). With `push`,
 * writes the rollback's record and marks the failed delivery's record rolled-back.
 */
export async function rollbackImage(
  request: RollbackRequest,
  ports: RollbackPorts,
): Promise<RollbackResult> {
  const started = ports.clock.now()
  const history = (await ports.records.readAll())
    .map((note) => (note.error ? undefined : timedRecord(note.record)))
    .filter(
      (timed): timed is TimedRecord =>
        typeof timed === 'object' && timed.record.environment === request.environment,
    )
    .sort((a, b) => a.startedAt - b.startedAt)
  const plan = planRollback(request, history)

  const scratch = await mkdtemp(join(tmpdir(), 'golden-path-rollback-'))
  try {
    const checkout = join(scratch, 'repo')
    await ports.git.clone(request.repo, request.branch, checkout, [request.path])
    const { files, digests } = await currentPins(checkout, request.path, plan.image, plan.target)
    if (digests.length === 0) {
      throw new WriteBackFailure(
        `image ${plan.image} not found in ${request.path} on ${request.branch}; nothing pushed`,
      )
    }
    const expected = plan.failed?.record.image.digest
    const changed = digests.filter((digest) => digest !== expected)
    if (expected !== undefined && changed.length > 0) {
      throw new WriteBackFailure(
        `${request.path} pins ${changed.join(', ')} for ${plan.image}, not ${expected} of the failed delivery: someone changed it since; nothing pushed`,
      )
    }
    if (digests.length > 1) {
      throw new WriteBackFailure(
        `${request.path} pins ${digests.join(', ')} for ${plan.image}: which one to roll back is unclear; nothing pushed`,
      )
    }
    const from = digests[0]!
    if (from === plan.target) {
      throw new WriteBackFailure(
        `${request.path} already pins ${plan.target}: nothing to roll back; nothing pushed`,
      )
    }
    const result = await bumpImages(
      {
        bumps: [{ image: plan.image, digest: plan.target }],
        files,
        directories: [],
        targets: { add: false },
        dryRun: false,
        workspace: request.workspace,
        git: {
          repo: checkout,
          branch: request.branch,
          push: request.push,
          mode: 'commit',
          messageTemplate: rollbackMessageTemplate,
          environment: request.environment,
          app: plan.failed?.record.app ?? plan.latest?.record.app,
          sourceCommit: plan.restored?.record.source.commit,
          identity: request.identity ?? defaultIdentity,
          sign: false,
          maxAttempts: request.maxAttempts ?? defaultMaxAttempts,
        },
      },
      ports,
    )
    const commit = result.commit
    const outcome: RollbackResult = {
      commit,
      restoredDigest: plan.target,
      from,
      pushed: result.pushed,
    }
    if (!result.pushed || !commit) return outcome

    const finished = ports.clock.now()
    const source = plan.restored?.record.source ??
      plan.latest?.record.source ?? {
        repository: redact(request.repo),
        commit,
        committedAt: new Date(finished).toISOString(),
      }
    outcome.record = buildDeliveryRecord({
      environment: request.environment,
      app: plan.failed?.record.app ?? plan.restored?.record.app ?? plan.latest?.record.app ?? '',
      trigger: 'rollback',
      source,
      image: { name: plan.image, digest: plan.target },
      gitops: { repository: redact(request.repo), path: request.path, commit },
      startedAt: started,
      finishedAt: finished,
      outcome: 'healthy',
      verified: false,
    })
    await ports.records.write(outcome.record)
    if (plan.failed) {
      const failedCommit = plan.failed.record.gitops.commit
      const marked = await ports.records.update(failedCommit, (current) =>
        current ? markRolledBack(current, { commit, restoredDigest: plan.target }) : undefined,
      )
      outcome.rolledBack = marked.record
    }
    return outcome
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
