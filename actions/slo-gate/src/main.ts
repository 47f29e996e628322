import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import type { Logger } from '../../lib/ports'
import { systemClock } from '../../lib/ports'
import { gateResultJson, renderGateText, runSloGate } from '../../lib/slo/gate'
import { tokenMask } from '../../lib/slo/gate-settings'
import { PrometheusClient } from '../../lib/slo/prometheus-client'
import { readSettings } from './inputs'

export async function run(): Promise<void> {
  let mask = (message: string) => message
  try {
    const settings = readSettings(process.env)
    if (settings.token) core.setSecret(settings.token)
    mask = tokenMask(settings.token)
    const logger: Logger = {
      debug: (message) => core.debug(mask(message)),
      info: (message) => core.info(mask(message)),
      warning: (message) => core.warning(mask(message)),
      error: (message) => core.error(mask(message)),
    }
    const prometheus = new PrometheusClient(settings.target, {
      requestTimeoutMs: settings.requestTimeoutMs,
    })
    const result = await runSloGate(settings.gate, { prometheus, clock: systemClock, logger })
    const text = renderGateText(result)
    core.setOutput('ok', String(result.ok))
    core.setOutput('result', gateResultJson(result).trim())
    if (process.env.GITHUB_STEP_SUMMARY) {
      await core.summary.addRaw(`### SLO gate\n\n\`\`\`\n${text}\`\`\`\n`, true).write()
    }
    core.info(text.trimEnd())
    if (!result.ok) {
      const failing = result.slos
        .filter((slo) => !slo.ok)
        .map((slo) => `${slo.name}: ${slo.reason}`)
      core.setFailed(`slo-gate: ${failing.join('; ')}`)
    }
  } catch (error) {
    core.setFailed(`slo-gate: ${mask(oneLine(error))}`)
  }
}
