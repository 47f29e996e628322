import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../lib/ports'
import { connectRegistry } from '../../lib/registry/registry-client'
import { attestImage } from '../../lib/supply-chain/attest-image'
import { pinnedReference } from '../../lib/supply-chain/pinned-image'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const { request, secrets } = parseInputs(
      process.env,
      process.env.GITHUB_WORKSPACE || process.cwd(),
    )
    for (const secret of secrets) core.setSecret(secret)
    const { client, credential } = await connectRegistry(
      request.image.name,
      { tlsVerify: request.tlsVerify },
      { env: process.env, runner: spawnRunner, logger, explicit: request.credentials },
    )
    const signed = await attestImage(
      { ...request, credentials: credential },
      {
        registry: client,
        logger,
        clock: systemClock,
        runner: spawnRunner,
        env: process.env,
      },
    )
    core.setOutput('referrer', signed.referrer)
    core.setOutput('predicate-type', signed.predicateType)
    core.setOutput('builder-id', signed.builderId ?? '')
    core.setOutput('sbom-file', request.type === 'cyclonedx' ? (request.sbomOutput ?? '') : '')
    await core.summary
      .addHeading(`Image attested: ${request.type}`, 3)
      .addList([
        `<code>${pinnedReference(request.image)}</code>`,
        `predicate <code>${signed.predicateType}</code>`,
        `bundle <code>${signed.referrer}</code> (${signed.storedVia})`,
      ])
      .write()
  } catch (error) {
    core.setFailed(`attest-image: ${oneLine(error)}`)
  }
}
