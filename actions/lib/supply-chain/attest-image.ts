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
  type SignedReference,
  type SigningMethod,
  type SigningPorts,
  signStatement,
} from './signing'
import {
  attestationStatement,
  type ProvenanceFacts,
  type SlsaProvenanceV1,
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

/** Builds the predicate of the requested type, signs the statement and stores it by the image. */
export async function attestImage(
  request: AttestRequest,
  ports: AttestPorts,
): Promise<SignedReference & { builderId?: string }> {
  const predicateType = attestationTypes[request.type]
  const predicate =
    request.type === 'slsaprovenance1'
      ? await provenancePredicate(request, new Date(ports.clock.now()))
      : await sbomPredicate(request, ports)
  const statement = attestationStatement(
    request.image.name,
    request.image.digest,
    predicateType,
    predicate,
  )
  const signed = await signStatement(request.image, statement, request.method, ports)
  const builderId = (predicate as Partial<SlsaProvenanceV1>).runDetails?.builder.id
  return { ...signed, builderId }
}
