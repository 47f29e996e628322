import type { DeliveryReport, DeliveryState, DeliveryStep } from '../delivery/delivery-pipeline'
import { oneLine } from '../errors'
import type { Clock, CommandRunner, Logger } from '../ports'
import { GitCli } from '../writeback/git-cli'
import { buildDeliveryRecord, type DeliveryRecord, utcTimestamp } from './delivery-record'
import { GitNotesRecordStore } from './git-notes-records'
import { rollbackImage } from './rollback'

/** Argo CD's verdict on a commit: what the verify step reports. */
export interface CommitVerdict {
  verified: boolean
  detail: string
}

export interface DeliveryRecordingOptions {
  /** The GitOps repository the delivery pushed to. */
  repository: string
  branch: string
  overlay: string
  environment: string
  app?: string
  trigger?: 'delivery' | 'promotion'
  /** The product repository's checkout: where the source commit and its time are read. */
  sourceDirectory: string
  startedAt: number
  rollbackOnFailure: boolean
  /** Verifies a commit of the GitOps repository; absent when there is no Argo CD to ask. */
  verifyCommit?: (commit: string, imageRef: string) => Promise<CommitVerdict>
}

export interface DeliveryRecordingPorts {
  runner: CommandRunner
  clock: Clock
  logger: Logger
  env?: NodeJS.ProcessEnv
}

export interface RollbackSummary {
  commit: string | null
  restoredDigest?: string
  from?: string
  /** The rollback verified Synced and Healthy at its commit; null when nothing could verify it. */
  verified: boolean | null
  detail: string
}

export interface DeliveryRecording {
  /** The record written on the delivery's GitOps commit (undefined: nothing was delivered). */
  record?: DeliveryRecord
  rollback?: RollbackSummary
  /** Why no record was written, or why writing one failed. */
  note?: string
}

async function sourceOf(options: DeliveryRecordingOptions, runner: CommandRunner) {
  const read = async (args: string[]) => {
    const result = await runner
      .run('git', args, { cwd: options.sourceDirectory })
      .catch(() => undefined)
    return result?.exitCode === 0 ? result.stdout.trim() : undefined
  }
  const [commit, committedAt, origin] = await Promise.all([
    read(['rev-parse', 'HEAD']),
    read(['log', '-1', '--format=%cI', 'HEAD']),
    read(['remote', 'get-url', 'origin']),
  ])
  if (!commit || !committedAt) return undefined
  return {
    repository: (origin ?? `file://${options.sourceDirectory}`).replace(
      /(\w+:\/\/)[^/@\s]+@/,
      '$1',
    ),
    commit,
    committedAt,
  }
}

/**
 * The end of a delivery: writes its record on the GitOps commit it pushed (healthy,
 * or failed with the step and message), and with rollbackOnFailure a failed verify is
 * rolled back, the rollback verified, and both records updated. A delivery that
 * failed before pushing a GitOps commit deployed nothing and leaves no record.
 */
export async function recordDelivery(
  report: DeliveryReport,
  options: DeliveryRecordingOptions,
  ports: DeliveryRecordingPorts,
): Promise<DeliveryRecording> {
  const state: DeliveryState = report.state
  const failedStep = report.steps.find((step) => step.status === 'failed')
  if (!state.gitopsCommit || !state.digest) {
    const note = `no GitOps commit was pushed${failedStep ? ` (${failedStep.name} failed)` : ''}: nothing was deployed, so no delivery record`
    ports.logger.info(note)
    return { note }
  }
  const source = await sourceOf(options, ports.runner)
  if (!source)
    return {
      note: `cannot read the source commit in ${options.sourceDirectory}: no delivery record`,
    }
  const store = new GitNotesRecordStore(options.repository, { ...ports, random: Math.random })
  const verify = report.steps.find((step) => step.name === 'verify')
  const finishedAt = ports.clock.now()
  const record = buildDeliveryRecord({
    environment: options.environment,
    app: options.app ?? state.image.split('/').pop() ?? '',
    trigger: options.trigger ?? 'delivery',
    source,
    image: { name: state.image, digest: state.digest },
    gitops: { repository: options.repository, path: options.overlay, commit: state.gitopsCommit },
    startedAt: options.startedAt,
    finishedAt,
    outcome: failedStep ? 'failed' : 'healthy',
    verified: verify?.status === 'passed' || verify?.status === 'failed',
    failure: failedStep ? { step: failedStep.name, message: failedStep.detail } : undefined,
  })
  try {
    await store.write(record)
  } catch (error) {
    return { note: `the delivery record could not be written: ${oneLine(error)}` }
  }
  if (failedStep?.name !== 'verify' || !options.rollbackOnFailure) return { record }
  return { record, rollback: await rollBack(state, options, ports, store) }
}

async function rollBack(
  state: DeliveryState,
  options: DeliveryRecordingOptions,
  ports: DeliveryRecordingPorts,
  store: GitNotesRecordStore,
): Promise<RollbackSummary> {
  ports.logger.info(`verify failed: rolling ${options.overlay} back to the last healthy image`)
  let result: Awaited<ReturnType<typeof rollbackImage>>
  try {
    result = await rollbackImage(
      {
        repo: options.repository,
        branch: options.branch,
        path: options.overlay,
        environment: options.environment,
        image: state.image,
        push: true,
        workspace: options.sourceDirectory,
      },
      {
        git: new GitCli(ports.runner, {}, ports.env),
        records: store,
        logger: ports.logger,
        clock: ports.clock,
        random: Math.random,
      },
    )
  } catch (error) {
    return { commit: null, verified: null, detail: `rollback failed: ${oneLine(error)}` }
  }
  const commit = result.commit!
  const base = { commit, restoredDigest: result.restoredDigest, from: result.from }
  if (!options.verifyCommit) {
    return {
      ...base,
      verified: null,
      detail: `rolled back to ${result.restoredDigest} at ${commit.slice(0, 12)}; not verified (no Argo CD server)`,
    }
  }
  const verdict = await options
    .verifyCommit(commit, `${state.image}@${result.restoredDigest}`)
    .catch((error) => ({ verified: false, detail: oneLine(error) }))
  const at = utcTimestamp(ports.clock.now())
  await store
    .update(commit, (current) => {
      if (!current) return undefined
      const { healthyAt: _healthy, failure: _failure, ...rest } = current
      return verdict.verified
        ? { ...rest, outcome: 'healthy', verified: true, finishedAt: at, healthyAt: at }
        : {
            ...rest,
            outcome: 'failed',
            verified: true,
            finishedAt: at,
            failure: { step: 'verify', message: verdict.detail },
          }
    })
    .catch((error) =>
      ports.logger.warning(`the rollback's record could not be updated: ${oneLine(error)}`),
    )
  return { ...base, verified: verdict.verified, detail: verdict.detail }
}

/** The delivery's own verify step, pointed at another commit (the rollback's). */
export function verifyWithStep(
  step: DeliveryStep,
  image: string,
): DeliveryRecordingOptions['verifyCommit'] {
  return async (commit, imageRef) => {
    const outcome = await step.run({ image, gitopsCommit: commit, imageRef })
    return { verified: outcome.status === 'passed', detail: outcome.detail }
  }
}
