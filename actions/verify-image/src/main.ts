import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner } from '../../lib/ports'
import { connectRegistry } from '../../lib/registry/registry-client'
import { inputNames } from '../../lib/supply-chain/action-settings'
import { pinnedReference } from '../../lib/supply-chain/pinned-image'
import { verificationPolicy } from '../../lib/supply-chain/settings'
import { verifyImage } from '../../lib/supply-chain/verify-image'
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
    if (inputs.credentials?.password) core.setSecret(inputs.credentials.password)
    const { client } = await connectRegistry(
      inputs.image.name,
      { tlsVerify: inputs['tls-verify'] },
      { env: process.env, runner: spawnRunner, logger, explicit: inputs.credentials },
    )
    const result = await verifyImage(
      inputs.image,
      await verificationPolicy(inputs.policy, inputNames),
      {
        registry: client,
        logger,
      },
    )
    core.setOutput('verified', String(result.verified))
    core.setOutput('result', JSON.stringify(result))
    await core.summary
      .addHeading(`Image ${result.verified ? 'verified' : 'NOT verified'}`, 3)
      .addList([
        `<code>${pinnedReference(inputs.image)}</code>`,
        result.signature.verified ? `signed by ${result.signature.signer}` : 'no valid signature',
        ...result.attestations.map(
          (attestation) =>
            `${attestation.type}: ${attestation.verified ? 'verified' : 'missing or rejected'}${attestation.builderId ? ` (builder ${attestation.builderId})` : ''}`,
        ),
        ...result.problems,
      ])
      .write()
    if (!result.verified)
      core.setFailed(
        `verify-image: ${pinnedReference(inputs.image)} not verified: ${result.problems.join('; ')}`,
      )
  } catch (error) {
    core.setFailed(`verify-image: ${oneLine(error)}`)
  }
}
