import * as core from '@actions/core'
import { renderVerificationSummary } from '../../lib/argocd/verification-summary'
import { runVerification } from '../../lib/argocd/verify-settings'
import { oneLine } from '../../lib/errors'
import type { Logger } from '../../lib/ports'
import { secretParts } from '../../lib/redaction'
import { inputLabel, readSettings } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    // Each line of a multi-line value too: the runner masks line by line.
    for (const part of secretParts(process.env.INPUT_TOKEN ?? '')) core.setSecret(part)
    const settings = readSettings(process.env)
    const result = await runVerification(settings, { logger }, inputLabel('ca-file'))
    core.setOutput('verified', String(result.verified))
    core.setOutput('synced-revision', result.syncedRevisions.join(','))
    core.setOutput('health', result.health ?? '')
    core.setOutput('sync-status', result.syncStatus ?? '')
    core.setOutput('duration-seconds', String(result.durationSeconds))
    core.setOutput('result', JSON.stringify(result))
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(renderVerificationSummary(result), true).write()
    }
    if (result.verified) core.info(`verify-argo-sync: ${result.message}`)
    else core.setFailed(`verify-argo-sync: ${result.outcome}: ${result.message}`)
  } catch (error) {
    core.setFailed(`verify-argo-sync: ${oneLine(error)}`)
  }
}
