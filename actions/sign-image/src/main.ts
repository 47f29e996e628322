import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../lib/ports'
import { connectRegistry } from '../../lib/registry/registry-client'
import { pinnedReference } from '../../lib/supply-chain/pinned-image'
import { signStatement } from '../../lib/supply-chain/signing'
import { signatureStatement } from '../../lib/supply-chain/statements'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs(process.env)
    for (const secret of inputs.secrets) core.setSecret(secret)
    const { client } = await connectRegistry(
      inputs.image.name,
      { tlsVerify: inputs['tls-verify'] },
      { env: process.env, runner: spawnRunner, logger, explicit: inputs.credentials },
    )
    const signed = await signStatement(
      inputs.image,
      signatureStatement(inputs.image.digest),
      inputs.method,
      {
        registry: client,
        logger,
        clock: systemClock,
      },
    )
    core.setOutput('referrer', signed.referrer)
    core.setOutput('stored-via', signed.storedVia)
    await core.summary
      .addHeading('Image signed', 3)
      .addList([
        `<code>${pinnedReference(inputs.image)}</code>`,
        `${signed.method === 'keyless' ? `keyless, Rekor log index ${signed.logIndex ?? '?'}` : 'with a key'}`,
        `bundle <code>${signed.referrer}</code> (${signed.storedVia})`,
      ])
      .write()
  } catch (error) {
    core.setFailed(`sign-image: ${oneLine(error)}`)
  }
}
