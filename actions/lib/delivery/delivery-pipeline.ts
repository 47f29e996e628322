import { oneLine } from '../errors'
import type { Clock, Logger } from '../ports'

/** The deliver steps, in the order deliver.yml runs them. */
export const deliveryStepOrder = [
  'test',
  'build',
  'scan',
  'push',
  'sign',
  'validate',
  'verify-image',
  'bump',
  'verify',
] as const
export type DeliveryStepName = (typeof deliveryStepOrder)[number]

/** `not-run`: an earlier step failed, so this one never started. */
export type DeliveryStepStatus = 'passed' | 'failed' | 'skipped' | 'not-run'

export interface DeliveryStepReport {
  name: DeliveryStepName
  status: DeliveryStepStatus
  /** One line: what the step did, or why it failed or was skipped. */
  detail: string
  durationMs: number
}

/** What the steps hand on to each other, and what the delivery produced. */
export interface DeliveryState {
  /** Image repository the delivery pushes and bumps, without tag or digest. */
  image: string
  ociLayout?: string
  /** Tags the build gave the image (without the repository). */
  tags?: string[]
  digest?: string
  /** repository@sha256:… as pushed. */
  imageRef?: string
  gitopsCommit?: string
  syncedRevision?: string
}

export interface DeliveryStepOutcome {
  status: 'passed' | 'failed' | 'skipped'
  detail: string
}

export interface DeliveryStep {
  name: DeliveryStepName
  run(state: DeliveryState): Promise<DeliveryStepOutcome>
}

export interface DeliveryReport {
  ok: boolean
  steps: DeliveryStepReport[]
  state: DeliveryState
}

/**
 * Runs the steps in order, each seeing what the earlier ones left in the state, and
 * stops at the first failure (a thrown error is a failure with its message). A
 * skipped step does not stop the delivery; the report says why it was skipped.
 */
export async function runDelivery(
  steps: readonly DeliveryStep[],
  initial: DeliveryState,
  ports: { clock: Clock; logger: Logger },
): Promise<DeliveryReport> {
  const state: DeliveryState = { ...initial }
  const reports: DeliveryStepReport[] = []
  let failed = false
  for (const step of steps) {
    if (failed) {
      reports.push({
        name: step.name,
        status: 'not-run',
        detail: 'an earlier step failed',
        durationMs: 0,
      })
      continue
    }
    ports.logger.info(`${step.name}: started`)
    const started = ports.clock.now()
    let outcome: DeliveryStepOutcome
    try {
      outcome = await step.run(state)
    } catch (error) {
      outcome = { status: 'failed', detail: oneLine(error) }
    }
    const report = { name: step.name, ...outcome, durationMs: ports.clock.now() - started }
    reports.push(report)
    ports.logger[outcome.status === 'failed' ? 'error' : 'info'](
      `${step.name}: ${outcome.status} — ${outcome.detail}`,
    )
    failed = outcome.status === 'failed'
  }
  return { ok: !failed, steps: reports, state }
}
