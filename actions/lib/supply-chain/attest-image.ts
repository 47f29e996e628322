import { writeFile } from 'node:fs/promises'
import { UsageError } from '../errors'
import type { CommandRunner } from '../ports'
import type { ExplicitCredential } from '../registry/credentials'
import { goldenPathVersion } from '../version'
import { type BaseImage, baseImagesFromLayout } from './base-images'
import { tokenClaims } from './keyless'
import { type AttestationType, attestationTypes } from './media-types'
import type { PinnedImage } from './pinned-image'
import { type CycloneDxDocument, generateSbom, readSbomFile } from './sbom'
import {
  createSignedBundle,
  prepareSigning,
  type SignedBundle,
  type SignedReference,
  SigningFailure,
  type SigningMethod,
  type SigningPorts,
  signStatement,
  storeSignedBundle,
} from './signing'
import {
  attestationStatement,
  type ProvenanceFacts,
  type SlsaProvenanceV1,
  signatureStatement,
  slsaProvenance,
} from './statements'

export interface BuildFacts {
  repository?: string
  ref?: string
  commit?: string
  serverUrl?: string
  workflowPath?: string
  inputs: Record<string, string>
  baseImages: BaseImage[]
  builderId?: string
  invocationId?: string
  startedOn?: string
}

export interface AttestRequest {
  image: PinnedImage
  type: AttestationType
  method: SigningMethod
  facts: BuildFacts
  /** OCI layout of the image: base image annotations, and what syft reads. */
  ociLayout?: string
  /** A CycloneDX document made elsewhere, instead of running syft. */
  sbomFile?: string
  /** Where to write the SBOM too (for a workflow artifact). */
  sbomOutput?: string
  tlsVerify: boolean
  /** The registry credential, for syft when it reads the image from the registry. */
  credentials?: ExplicitCredential
}

export interface AttestPorts extends SigningPorts {
  runner: CommandRunner
  env: NodeJS.ProcessEnv
}

/**
 * What GitHub Actions says about the run, for the provenance: the built repository, ref,
 * commit, the caller's workflow file and the run's URL. A flag given on the command line wins.
 */
export function buildFactsFromEnv(env: NodeJS.ProcessEnv): BuildFacts {
  const workflowRef = env.GITHUB_WORKFLOW_REF
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}`
      : undefined
  return {
    repository: env.GITHUB_REPOSITORY || undefined,
    ref: env.GITHUB_REF || undefined,
    commit: env.GITHUB_SHA || undefined,
    serverUrl: server,
    // owner/repo/.github/workflows/x.yml@ref -> .github/workflows/x.yml
    workflowPath: workflowRef ? /^[^/]+\/[^/]+\/([^@]+)@/.exec(workflowRef)?.[1] : undefined,
    inputs: {},
    baseImages: [],
    invocationId: runUrl,
  }
}

async function builderIdFor(request: AttestRequest): Promise<string> {
  if (request.facts.builderId) return request.facts.builderId
  if (request.method.kind === 'keyless') {
    // The reusable workflow's own ref, as Fulcio puts it in the certificate.
    const claims = tokenClaims(await request.method.identity.getToken())
    const jobWorkflowRef = claims.job_workflow_ref
    if (typeof jobWorkflowRef === 'string') {
      const server = request.facts.serverUrl ?? 'https://github.com'
      return `${server}/${jobWorkflowRef}`
    }
  }
  throw new UsageError(
    'name the builder with --builder-id (the reusable workflow ref, e.g. https://github.com/org/golden-path/.github/workflows/deliver.yml@refs/tags/v1)',
  )
}

async function provenancePredicate(request: AttestRequest, now: Date) {
  const facts = request.facts
  if (!facts.repository) {
    throw new UsageError(
      'provenance needs the source repository: --source-repository OWNER/NAME (or $GITHUB_REPOSITORY)',
    )
  }
  const baseImages = [...facts.baseImages]
  if (request.ociLayout) {
    for (const base of await baseImagesFromLayout(request.ociLayout, request.image.digest)) {
      if (!baseImages.some((known) => known.digest === base.digest)) baseImages.push(base)
    }
  }
  const provenance: ProvenanceFacts = {
    repository: facts.repository,
    ref: facts.ref,
    commit: facts.commit,
    serverUrl: facts.serverUrl ?? 'https://github.com',
    workflowPath: facts.workflowPath,
    inputs: facts.inputs,
    baseImages,
    builderId: await builderIdFor(request),
    invocationId: facts.invocationId,
    startedOn: facts.startedOn,
    finishedOn: now.toISOString(),
    goldenPathVersion,
  }
  return slsaProvenance(provenance)
}

async function sbomPredicate(
  request: AttestRequest,
  ports: AttestPorts,
): Promise<CycloneDxDocument> {
  const document = request.sbomFile
    ? await readSbomFile(request.sbomFile)
    : await generateSbom(
        {
          image: request.image,
          ociLayout: request.ociLayout,
          tlsVerify: request.tlsVerify,
          credentials: request.credentials,
        },
        ports.runner,
        ports.env,
      )
  if (request.sbomOutput)
    await writeFile(request.sbomOutput, `${JSON.stringify(document, null, 2)}\n`)
  return document
}

/** The statement of the requested type, predicate built; the builder id for a provenance. */
async function attestationFor(request: AttestRequest, ports: AttestPorts) {
  const predicate =
    request.type === 'slsaprovenance1'
      ? await provenancePredicate(request, new Date(ports.clock.now()))
      : await sbomPredicate(request, ports)
  const statement = attestationStatement(
    request.image.name,
    request.image.digest,
    attestationTypes[request.type],
    predicate,
  )
  return { statement, builderId: (predicate as Partial<SlsaProvenanceV1>).runDetails?.builder.id }
}

export type AttestedReference = SignedReference & { type: AttestationType; builderId?: string }

/** Builds the predicate of the requested type, signs the statement and stores it by the image. */
export async function attestImage(
  request: AttestRequest,
  ports: AttestPorts,
): Promise<SignedReference & { builderId?: string }> {
  const { statement, builderId } = await attestationFor(request, ports)
  const signed = await signStatement(request.image, statement, request.method, ports)
  return { ...signed, builderId }
}

/** Signing the digest and attesting several types for it in one go. */
export interface SignAndAttestRequest extends Omit<AttestRequest, 'type'> {
  /** Also sign the digest itself (what `golden-path sign` stores); stored first. */
  sign: boolean
  /** The attestations, each type once, stored in this order after the signature. */
  types: readonly AttestationType[]
}

export interface SignAndAttestResult {
  signature?: SignedReference
  attestations: AttestedReference[]
}

/**
 * Makes every bundle side by side, then stores them one after another. The SBOM is the slow
 * part (syft has a fixed start-up cost of about a second), so it is generated while the
 * signature and the provenance are made instead of after them. Nothing is stored unless
 * every bundle was made: a failed SBOM leaves no signature without its attestations. At most
 * one syft process and one bundle per type run at once. Storing stays sequential, since every
 * referrer is listed in the same fallback-tag index.
 */
export async function signAndAttest(
  request: SignAndAttestRequest,
  ports: AttestPorts,
): Promise<SignAndAttestResult> {
  const repeated = request.types.find((type, index) => request.types.indexOf(type) !== index)
  if (repeated) throw new UsageError(`--type ${repeated} is given twice; give each type once`)
  type Made = { signed: SignedBundle; type?: AttestationType; builderId?: string }
  // One look-up of the image (and of a keyless token) for every bundle.
  const context = prepareSigning(request.image, request.method, ports)
  const tasks: { label: string; made: Promise<Made> }[] = []
  for (const type of request.types) {
    const made = attestationFor({ ...request, type }, ports).then(
      async ({ statement, builderId }) => ({
        signed: await createSignedBundle(context, statement),
        type,
        builderId,
      }),
    )
    tasks.push({ label: type === 'cyclonedx' ? 'cyclonedx SBOM' : type, made })
  }
  if (request.sign) {
    const statement = signatureStatement(request.image.digest)
    const made = createSignedBundle(context, statement)
    tasks.unshift({ label: 'signature', made: made.then((signed) => ({ signed })) })
  }
  const settled = await Promise.allSettled(tasks.map((task) => task.made))
  const failures = settled.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [{ label: tasks[index]!.label, error: outcome.reason }] : [],
  )
  if (failures.length > 0) throw nothingStored(failures, tasks.length)
  const result: SignAndAttestResult = { attestations: [] }
  for (const outcome of settled) {
    const { signed, type, builderId } = (outcome as PromiseFulfilledResult<Made>).value
    const stored = await storeSignedBundle(signed, ports)
    if (type) result.attestations.push({ ...stored, type, builderId })
    else result.signature = stored
  }
  return result
}

/**
 * One error for everything that could not be made. Alone, a failure is passed on as it is (a
 * single attestation reports exactly as before); together, each is named, and the kind that
 * decides the exit code is kept: a usage problem first, then a signing failure.
 */
function nothingStored(failures: { label: string; error: unknown }[], made: number): unknown {
  if (made === 1) return failures[0]!.error
  // The same cause (an image that is not pushed, a refused login) is said once.
  const byMessage = new Map<string, string[]>()
  for (const { label, error } of failures) {
    const message = error instanceof Error ? error.message : String(error)
    byMessage.set(message, [...(byMessage.get(message) ?? []), label])
  }
  const message = `nothing stored: ${[...byMessage]
    .map(([cause, labels]) => `${labels.join(', ')}: ${cause}`)
    .join('; ')}`
  if (failures.some(({ error }) => error instanceof UsageError)) return new UsageError(message)
  if (failures.every(({ error }) => error instanceof SigningFailure))
    return new SigningFailure(message)
  return new Error(message)
}
