import { UsageError } from '../../../actions/lib/errors'
import { nullLogger } from '../../../actions/lib/ports'
import { requireVerifiedImages } from '../../../actions/lib/supply-chain/signature-gate'
import type { ParsedFlags } from '../args'
import type { CliIO } from '../command'
import {
  credentialLookup,
  hasPolicyFlags,
  policyFlags,
  policyFromFlags,
  tlsVerifyFlag,
} from './supply-chain-flags'

/** bump's --require-signature and verify-image's policy flags. */
export const signatureGateFlags = {
  'require-signature': { type: 'boolean' },
  ...policyFlags,
  'tls-verify': { type: 'string' },
} as const

/**
 * With --require-signature, verifies each image before bump writes it; returns the refusal
 * line, or undefined when every image passed (or no signature was required).
 */
export async function signatureGate(
  values: ParsedFlags['values'],
  images: readonly { image: string; digest?: string }[],
  io: CliIO,
): Promise<string | undefined> {
  if (values['require-signature'] !== true) {
    if (hasPolicyFlags(values)) {
      throw new UsageError('signature policy flags need --require-signature')
    }
    return undefined
  }
  const result = await requireVerifiedImages(
    images,
    await policyFromFlags(values),
    {
      tlsVerify: tlsVerifyFlag(values),
      credentials: credentialLookup(io),
    },
    { logger: nullLogger },
  )
  if (result.refused.length === 0) return undefined
  return `refusing to write unverified image(s): ${result.refused.join(' | ')}`
}
