import { resolve } from 'node:path'
import { ActionInputs } from '../../lib/action-input'
import { UsageError } from '../../lib/errors'
import { inputNames, registryInputs, signingInputs } from '../../lib/supply-chain/action-settings'
import { type AttestRequest, buildFactsFromEnv } from '../../lib/supply-chain/attest-image'
import { parseBaseImage } from '../../lib/supply-chain/base-images'
import { attestationTypeNames } from '../../lib/supply-chain/media-types'
import { parsePinnedImage } from '../../lib/supply-chain/pinned-image'
import { signingMethod } from '../../lib/supply-chain/settings'

/** The attest-image inputs as the request the core takes, plus the values to mask. */
export interface Inputs {
  request: AttestRequest
  secrets: string[]
}

function keyValues(lines: string[]): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of lines) {
    const equals = line.indexOf('=')
    if (equals <= 0)
      throw new UsageError(`input 'workflow-inputs' line '${line}': expected KEY=VALUE`)
    values[line.slice(0, equals)] = line.slice(equals + 1)
  }
  return values
}

export function parseInputs(
  env: NodeJS.ProcessEnv = process.env,
  workspace = process.cwd(),
): Inputs {
  const inputs = new ActionInputs(env)
  const signing = signingInputs(inputs)
  const credentials = registryInputs(inputs)
  const fromEnv = buildFactsFromEnv(env)
  const path = (name: string) => {
    const value = inputs.optional(name)
    return value === undefined ? undefined : resolve(workspace, value)
  }
  return {
    request: {
      image: parsePinnedImage(
        inputs.required('image', 'ghcr.io/example-org/app@sha256:...'),
        "input 'image'",
      ),
      type: inputs.oneOf('type', attestationTypeNames, 'slsaprovenance1'),
      method: signingMethod(signing, inputNames, env),
      facts: {
        ...fromEnv,
        repository: inputs.optional('source-repository') ?? fromEnv.repository,
        inputs: keyValues(inputs.list('workflow-inputs', { commas: false })),
        baseImages: inputs.list('base-images', { commas: true }).map(parseBaseImage),
        builderId: inputs.optional('builder-id'),
      },
      ociLayout: path('oci'),
      sbomFile: path('sbom'),
      sbomOutput: path('sbom-output'),
      tlsVerify: inputs.boolean('tls-verify', true),
      credentials,
    },
    secrets: [signing.password, credentials?.password].filter((value): value is string => !!value),
  }
}
