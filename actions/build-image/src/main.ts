import { tmpdir } from 'node:os'
import * as core from '@actions/core'
import { BuildFailedError, buildImage } from '../../lib/build/build-image'
import { type SecretFiles, writeSecretFiles } from '../../lib/build/build-secret'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../lib/ports'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  let secretFiles: SecretFiles | undefined
  try {
    const inputs = parseInputs()
    for (const deprecation of inputs.deprecations) core.warning(deprecation)
    secretFiles = await writeSecretFiles(
      inputs['build-secrets'],
      process.env.RUNNER_TEMP || tmpdir(),
    )
    for (const value of secretFiles.values) core.setSecret(value)
    const result = await buildImage(
      {
        context: inputs.context,
        file: inputs.file,
        image: inputs.image,
        tags: inputs.tags,
        engine: inputs.engine,
        buildArgs: inputs['build-args'],
        secrets: [...inputs.secrets, ...secretFiles.secrets],
        target: inputs.target,
        platform: inputs.platforms,
        cacheFrom: inputs['cache-from'],
        cacheTo: inputs['cache-to'],
        noCache: inputs['no-cache'],
        labels: inputs.labels,
        output: inputs.output,
        push: inputs.push,
        tlsVerify: inputs['tls-verify'],
        workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
        env: process.env,
      },
      { runner: spawnRunner, logger, clock: systemClock },
    )
    core.setOutput('digest', result.digest)
    core.setOutput('image-ref', result.imageRef)
    core.setOutput('tags', result.tags.join('\n'))
    core.setOutput('oci-layout', result.ociLayout)
    core.setOutput('metadata', JSON.stringify(result.metadata))
    core.setOutput('platforms', JSON.stringify(result.platforms))
    await core.summary
      .addHeading('Image built', 2)
      .addRaw(`<code>${result.imageRef}</code> (${result.engine})`, true)
      .addList(result.tags)
      .addRaw(
        result.push
          ? `Pushed: ${result.push.references.join(', ')}`
          : 'Not pushed: scan, then push-image.',
        true,
      )
      .write()
  } catch (error) {
    if (error instanceof BuildFailedError) core.info(error.output)
    core.setFailed(`build-image: ${oneLine(error)}`)
  } finally {
    await secretFiles?.remove()
  }
}
