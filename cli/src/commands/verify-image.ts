import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { nullLogger } from '../../../actions/lib/ports'
import { parsePinnedImage, pinnedReference } from '../../../actions/lib/supply-chain/pinned-image'
import {
  type ImageVerification,
  VerificationError,
  verifyImage,
} from '../../../actions/lib/supply-chain/verify-image'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'
import { policyFlags, policyFromFlags, policyUsage, registryClientFor } from './supply-chain-flags'

/** The one-line verdict: what passed, or every reason it did not. */
export function verificationVerdict(result: ImageVerification): string {
  const reference = `${result.image}@${result.digest}`
  if (!result.verified) return `not verified: ${result.problems.join('; ')}`
  const attested = result.attestations.map((attestation) =>
    attestation.builderId
      ? `${attestation.type} (builder ${attestation.builderId})`
      : attestation.type,
  )
  return `verified ${reference}: signed by ${result.signature.signer}${attested.length ? `; attested ${attested.join(', ')}` : ''} (found via ${result.foundVia})`
}

export const verifyImageCommand: Command = {
  name: 'verify-image',
  summary:
    'Verify an image digest is signed and attested as the policy requires, before deploying it',
  usage: `Usage: golden-path verify-image --image REF@sha256:... (--key PUB.pem | --certificate-identity-regexp R
         --certificate-oidc-issuer I) [--require-attestation slsaprovenance1|cyclonedx]...
         [--source-repository OWNER/NAME] [--builder-id-regexp R] [--tls-verify BOOL] [--output text|json]

Passes only when a valid signature by the expected signer exists for exactly this digest,
and every required attestation exists for it, signed by the same signer and matching the
policy. Reads what golden-path and cosign v3 store: Sigstore bundles found through the
referrers API or the sha256-<hex> fallback tag.

  --image REF@sha256:...                the image, pinned by digest (required)
${policyUsage}
  --tls-verify BOOL                     verify the registry's TLS certificate (default true)
  --output text|json                    json: {verified, image, digest, foundVia, signature, attestations, problems}

Exit codes: 0 verified, 1 not verified (the line says what is missing or wrong), 2 usage or input error.`,
  async run(args, io) {
    const { values } = parseFlags('verify-image', args, {
      image: { type: 'string' },
      ...policyFlags,
      'tls-verify': { type: 'string' },
      output: { type: 'string' },
    })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const imageFlag = stringFlag(values, 'image')
    if (!imageFlag) throw new UsageError('--image is required (REF@sha256:...)')
    const image = parsePinnedImage(imageFlag)
    const policy = await policyFromFlags(values)
    const { client } = await registryClientFor(image, values, io)
    let result: ImageVerification
    try {
      result = await verifyImage(image, policy, {
        registry: client,
        logger: nullLogger,
      })
    } catch (error) {
      if (error instanceof VerificationError) {
        io.stderr.write(
          `golden-path verify-image: cannot verify ${pinnedReference(image)}: ${oneLine(error)}\n`,
        )
        return ExitCode.Usage
      }
      throw error
    }
    if (output === 'json') io.stdout.write(`${JSON.stringify(result)}\n`)
    if (result.verified) {
      if (output === 'text') io.stdout.write(`${verificationVerdict(result)}\n`)
      return ExitCode.Success
    }
    io.stderr.write(
      `golden-path verify-image: ${pinnedReference(image)} ${verificationVerdict(result)}\n`,
    )
    return ExitCode.Failed
  },
}
