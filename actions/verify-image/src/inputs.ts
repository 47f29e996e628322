import { ActionInputs } from '../../lib/action-input'
import type { ExplicitCredential } from '../../lib/registry/credentials'
import { policyInputs, registryInputs } from '../../lib/supply-chain/action-settings'
import { type PinnedImage, parsePinnedImage } from '../../lib/supply-chain/pinned-image'
import type { PolicySettings } from '../../lib/supply-chain/settings'

export interface Inputs {
  image: PinnedImage
  policy: PolicySettings
  'tls-verify': boolean
  credentials?: ExplicitCredential
}

export function parseInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const inputs = new ActionInputs(env)
  return {
    image: parsePinnedImage(
      inputs.required('image', 'ghcr.io/example-org/app@sha256:...'),
      "input 'image'",
    ),
    policy: policyInputs(inputs),
    'tls-verify': inputs.boolean('tls-verify', true),
    credentials: registryInputs(inputs),
  }
}
