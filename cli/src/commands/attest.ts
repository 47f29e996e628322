import { resolve } from 'node:path'
import { ExitCode, oneLine, UsageError } from '../../../actions/lib/errors'
import { nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import {
  attestImage,
  buildFactsFromEnv,
  signAndAttest,
} from '../../../actions/lib/supply-chain/attest-image'
import { parseBaseImage } from '../../../actions/lib/supply-chain/base-images'
import { attestationTypeNames } from '../../../actions/lib/supply-chain/media-types'
import { parsePinnedImage, pinnedReference } from '../../../actions/lib/supply-chain/pinned-image'
import { SigningFailure } from '../../../actions/lib/supply-chain/signing'
import { listFlag, oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'
import {
  registryClientFor,
  signingFlags,
  signingMethodFromFlags,
  signingUsage,
  tlsVerifyFlag,
} from './supply-chain-flags'

function parseInputs(entries: string[]): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const entry of entries) {
    const equals = entry.indexOf('=')
    if (equals <= 0) throw new UsageError(`invalid --input '${entry}': expected KEY=VALUE`)
    inputs[entry.slice(0, equals)] = entry.slice(equals + 1)
  }
  return inputs
}

export const attestCommand: Command = {
  name: 'attest',
  summary: 'Attest how an image was built (SLSA v1 provenance) or what is in it (CycloneDX SBOM)',
  usage: `Usage: golden-path attest --image REF@sha256:... --type slsaprovenance1|cyclonedx [--type ...]
         (--key PEM | --keyless) [--oci DIR] [--sbom FILE] [--sbom-output FILE] [provenance flags]

Makes an in-toto statement about the image digest, signs it (DSSE, Sigstore bundle) and
stores it as an OCI referrer of the image, where 'cosign verify-attestation --type <type>'
and 'golden-path verify-image --require-attestation <type>' find it.

  --image REF@sha256:...      the image, pinned by digest (required)
  --type T                    slsaprovenance1 (SLSA v1 provenance) or cyclonedx (CycloneDX 1.6 SBOM);
                              repeatable: each type once, all made side by side (syft runs while
                              the provenance is signed), stored only when every one was made;
                              one output line per type (one JSON object per line with --output json)
${signingUsage}
  --oci DIR                   OCI layout of the image: base image digests for the provenance,
                              and what syft reads for the SBOM (else syft reads the registry)
  --sbom FILE                 attach this CycloneDX JSON instead of running syft
  --sbom-output FILE          also write the SBOM here (e.g. for a workflow artifact)

Provenance (defaults from GitHub Actions' environment):
  --source-repository O/N     repository built ($GITHUB_REPOSITORY)
  --source-ref REF            git ref built ($GITHUB_REF)
  --source-commit SHA         commit built ($GITHUB_SHA)
  --workflow-path PATH        caller workflow file (from $GITHUB_WORKFLOW_REF)
  --input KEY=VALUE           a workflow input that shaped the build (repeatable)
  --base-image NAME@sha256:.. a base image the build resolved (repeatable; also read from --oci)
  --builder-id URI            builder id (keyless default: the reusable workflow's ref from the OIDC token)
  --invocation-id URI         the run's URL (default from $GITHUB_RUN_ID)

Exit codes: 0 attested and stored, 1 signing or storing failed, 2 usage or input error.`,
  async run(args, io) {
    const { values } = parseFlags('attest', args, {
      image: { type: 'string' },
      type: { type: 'string', multiple: true },
      ...signingFlags,
      oci: { type: 'string' },
      sbom: { type: 'string' },
      'sbom-output': { type: 'string' },
      'source-repository': { type: 'string' },
      'source-ref': { type: 'string' },
      'source-commit': { type: 'string' },
      'workflow-path': { type: 'string' },
      input: { type: 'string', multiple: true },
      'base-image': { type: 'string', multiple: true },
      'builder-id': { type: 'string' },
      'invocation-id': { type: 'string' },
    })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const imageFlag = stringFlag(values, 'image')
    if (!imageFlag) throw new UsageError('--image is required (REF@sha256:...)')
    const typeFlags = listFlag(values, 'type')
    if (typeFlags.length === 0) {
      throw new UsageError(`--type is required (${attestationTypeNames.join(' or ')})`)
    }
    const types = typeFlags.map((flag) =>
      oneOf('type', flag, attestationTypeNames, 'slsaprovenance1'),
    )
    const image = parsePinnedImage(imageFlag)
    const fromEnv = buildFactsFromEnv(io.env)
    const facts = {
      ...fromEnv,
      repository: stringFlag(values, 'source-repository') ?? fromEnv.repository,
      ref: stringFlag(values, 'source-ref') ?? fromEnv.ref,
      commit: stringFlag(values, 'source-commit') ?? fromEnv.commit,
      workflowPath: stringFlag(values, 'workflow-path') ?? fromEnv.workflowPath,
      inputs: parseInputs(listFlag(values, 'input')),
      baseImages: listFlag(values, 'base-image').map(parseBaseImage),
      builderId: stringFlag(values, 'builder-id') ?? io.env.GOLDEN_PATH_BUILDER_ID ?? undefined,
      invocationId: stringFlag(values, 'invocation-id') ?? fromEnv.invocationId,
    }
    const method = await signingMethodFromFlags(values, io)
    const oci = stringFlag(values, 'oci')
    const sbom = stringFlag(values, 'sbom')
    const sbomOutput = stringFlag(values, 'sbom-output')
    const { client, credential } = await registryClientFor(image, values, io)
    const request = {
      image,
      method,
      facts,
      ociLayout: oci === undefined ? undefined : resolve(io.cwd, oci),
      sbomFile: sbom === undefined ? undefined : resolve(io.cwd, sbom),
      sbomOutput: sbomOutput === undefined ? undefined : resolve(io.cwd, sbomOutput),
      tlsVerify: tlsVerifyFlag(values),
      credentials: credential,
    }
    const ports = {
      registry: client,
      logger: nullLogger,
      clock: systemClock,
      runner: spawnRunner,
      env: io.env,
    }
    try {
      const attested =
        types.length === 1
          ? [{ ...(await attestImage({ ...request, type: types[0]! }, ports)), type: types[0]! }]
          : (await signAndAttest({ ...request, sign: false, types }, ports)).attestations
      for (const signed of attested) {
        io.stdout.write(
          output === 'json'
            ? `${JSON.stringify({
                image: pinnedReference(image),
                digest: image.digest,
                type: signed.type,
                predicateType: signed.predicateType,
                method: signed.method,
                referrer: signed.referrer,
                storedVia: signed.storedVia,
                logIndex: signed.logIndex ?? null,
              })}\n`
            : `attested ${pinnedReference(image)}: ${signed.type} (${signed.predicateType}), stored as ${signed.referrer} via ${signed.storedVia}\n`,
        )
      }
      return ExitCode.Success
    } catch (error) {
      if (error instanceof SigningFailure) {
        io.stderr.write(`golden-path attest: ${oneLine(error)}\n`)
        return ExitCode.Failed
      }
      throw error
    }
  },
}
