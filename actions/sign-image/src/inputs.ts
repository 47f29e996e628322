import { ActionInputs } from '../../lib/action-input'
import type { ExplicitCredential } from '../../lib/registry/credentials'
import { inputNames, registryInputs, signingInputs } from '../../lib/supply-chain/action-settings'
import { type PinnedImage, parsePinnedImage } from '../../lib/supply-chain/pinned-image'
import { signingMethod } from '../../lib/supply-chain/settings'
import type { SigningMethod } from '../../lib/supply-chain/signing'

/** The sign-image inputs, parsed and checked. */
export interface Inputs {
  image: PinnedImage
  method: SigningMethod
  'tls-verify': boolean
  credentials?: ExplicitCredential
  /** Values to mask in the log. */
  secrets: string[]
}

export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  const signing = signingInputs(inputs)
  const credentials = registryInputs(inputs)
  return {
    image: parsePinnedImage(
      inputs.required('image', 'ghcr.io/example-org/app@sha256:...'),
      "input 'image'",
    ),
    method: signingMethod(signing, inputNames, env),
    'tls-verify': inputs.boolean('tls-verify', true),
    credentials,
    secrets: [signing.password, credentials?.password].filter((value): value is string => !!value),
  }
}
