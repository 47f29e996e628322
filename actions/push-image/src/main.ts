import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../lib/ports'
import { registerSecret, secretParts } from '../../lib/redaction'
import { pushImage, RegistryPushError } from '../../lib/registry/push-image'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs(process.env, process.env.GITHUB_WORKSPACE || process.cwd())
    for (const part of secretParts(inputs.password ?? '')) core.setSecret(part)
    registerSecret(inputs.password)
    const result = await pushImage(
      {
        ociLayout: inputs.oci,
        image: inputs.image,
        additionalImages: inputs['additional-images'],
        tags: inputs.tags,
        tlsVerify: inputs['tls-verify'],
        username: inputs.username,
        password: inputs.password,
        attempts: inputs.attempts,
        retryDelayMs: 2000,
      },
      { runner: spawnRunner, logger, clock: systemClock },
    )
    core.setOutput('digest', result.digest)
    core.setOutput('image-ref', result.imageRef)
    core.setOutput('destinations', JSON.stringify(result.destinations))
    await core.summary
      .addHeading('Image pushed', 2)
      .addRaw(`<code>${result.imageRef}</code>`, true)
      .addList(result.references)
      .write()
  } catch (error) {
    if (error instanceof RegistryPushError && error.result) {
      core.setOutput('destinations', JSON.stringify(error.result.destinations))
    }
    core.setFailed(`push-image: ${oneLine(error)}`)
  }
}
