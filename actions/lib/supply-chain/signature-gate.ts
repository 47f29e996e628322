import { UsageError } from '../errors'
import type { Logger } from '../ports'
import type { CredentialLookup } from '../registry/credentials'
import { connectRegistry } from '../registry/registry-client'
import { parsePinnedImage, pinnedReference } from './pinned-image'
import { type VerificationPolicy, verifyImage } from './verify-image'

/** The images about to be written somewhere a cluster deploys from. */
export interface GatedImage {
  image: string
  digest?: string
}

export interface SignatureGateResult {
  verified: string[]
  /** One line per image that failed, naming what is missing or wrong. */
  refused: string[]
}

/**
 * Verifies every image a write would deploy, before anything is written: each must be
 * pinned by digest and pass verify-image's policy. A tag alone is refused, since what a
 * tag points to can change after the check.
 */
export async function requireVerifiedImages(
  images: readonly GatedImage[],
  policy: VerificationPolicy,
  options: {
    tlsVerify: boolean
    /** How each image's registry credential is found (images may live in several registries). */
    credentials: CredentialLookup
  },
  ports: { logger: Logger },
): Promise<SignatureGateResult> {
  const result: SignatureGateResult = { verified: [], refused: [] }
  for (const entry of images) {
    if (!entry.digest) {
      throw new UsageError(
        `--require-signature needs a digest for ${entry.image} (--digest sha256:...): a tag cannot be verified`,
      )
    }
    const image = parsePinnedImage(`${entry.image}@${entry.digest}`, 'image')
    const { client } = await connectRegistry(
      image.name,
      { tlsVerify: options.tlsVerify },
      options.credentials,
    )
    const verification = await verifyImage(image, policy, {
      registry: client,
      logger: ports.logger,
    })
    if (verification.verified) result.verified.push(pinnedReference(image))
    else result.refused.push(`${pinnedReference(image)}: ${verification.problems.join('; ')}`)
  }
  return result
}
