import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { nullLogger, systemClock } from '../../../actions/lib/ports'
import { parsePinnedImage, pinnedReference } from '../../../actions/lib/supply-chain/pinned-image'
import { SigningFailure, signStatement } from '../../../actions/lib/supply-chain/signing'
import { signatureStatement } from '../../../actions/lib/supply-chain/statements'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'
import {
  registryClientFor,
  signingFlags,
  signingMethodFromFlags,
  signingUsage,
} from './supply-chain-flags'

export const signCommand: Command = {
  name: 'sign',
  summary: 'Sign an image digest and store the signature where cosign finds it',
  usage: `Usage: golden-path sign --image REF@sha256:... (--key PEM | --keyless) [--key-password-stdin]
         [--tls-verify true|false] [--output text|json]

Signs the image digest (a DSSE-signed in-toto statement, as cosign v3 signs) into a
Sigstore bundle and stores it as an OCI referrer of the image: through the referrers API,
or the sha256-<hex> fallback tag on registries without it. 'cosign verify' accepts it.
With --key nothing leaves the machine (no transparency log); --keyless uses the job's
OIDC token (GitHub Actions with id-token: write), Fulcio and Rekor.

  --image REF@sha256:... the image to sign, pinned by digest (required)
${signingUsage}

Registry credentials, as push finds them: REGISTRY_USERNAME and REGISTRY_PASSWORD, else the
first auth file with an entry for the registry (REGISTRY_AUTH_FILE,
$XDG_RUNTIME_DIR/containers/auth.json, $DOCKER_CONFIG/config.json, ~/.docker/config.json),
including the credential helpers it names (credHelpers, credsStore).
Exit codes: 0 signed and stored, 1 signing or storing failed, 2 usage or input error.`,
  async run(args, io) {
    const { values } = parseFlags('sign', args, { image: { type: 'string' }, ...signingFlags })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const imageFlag = stringFlag(values, 'image')
    if (!imageFlag) throw new UsageError('--image is required (REF@sha256:...)')
    const image = parsePinnedImage(imageFlag)
    const method = await signingMethodFromFlags(values, io)
    const { client } = await registryClientFor(image, values, io)
    try {
      const signed = await signStatement(image, signatureStatement(image.digest), method, {
        registry: client,
        logger: nullLogger,
        clock: systemClock,
      })
      io.stdout.write(
        output === 'json'
          ? `${JSON.stringify({
              image: pinnedReference(image),
              digest: image.digest,
              method: signed.method,
              referrer: signed.referrer,
              storedVia: signed.storedVia,
              logIndex: signed.logIndex ?? null,
            })}\n`
          : `signed ${pinnedReference(image)} (${signed.method}); bundle stored as ${signed.referrer} via ${signed.storedVia}\n`,
      )
      return ExitCode.Success
    } catch (error) {
      if (error instanceof SigningFailure) {
        io.stderr.write(`golden-path sign: ${oneLine(error)}\n`)
        return ExitCode.Failed
      }
      throw error
    }
  },
}
