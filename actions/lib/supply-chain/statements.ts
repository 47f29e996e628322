import {
  cosignSignPredicateType,
  inTotoStatementV1,
  slsaProvenanceV1PredicateType,
} from './media-types'

/** An in-toto Statement v1 (github.com/in-toto/attestation spec/v1/statement.md). */
export interface InTotoStatement<P = unknown> {
  _type: typeof inTotoStatementV1
  subject: { name?: string; digest: Record<string, string> }[]
  predicateType: string
  predicate: P
}

/** `sha256:<hex>` as an in-toto digest set. */
export function digestSet(digest: string): Record<string, string> {
  const [algorithm, hex] = digest.split(':')
  return { [algorithm!]: hex! }
}

/**
 * What `cosign sign` signs in the bundle format: a statement about the image digest with
 * the cosign sign predicate type and an empty predicate. Signing the same statement makes
 * golden-path's signatures indistinguishable from cosign's to any verifier.
 */
export function signatureStatement(digest: string): InTotoStatement<Record<string, never>> {
  return {
    _type: inTotoStatementV1,
    subject: [{ digest: digestSet(digest) }],
    predicateType: cosignSignPredicateType,
    predicate: {},
  }
}

export function attestationStatement<P>(
  repository: string,
  digest: string,
  predicateType: string,
  predicate: P,
): InTotoStatement<P> {
  return {
    _type: inTotoStatementV1,
    subject: [{ name: repository, digest: digestSet(digest) }],
    predicateType,
    predicate,
  }
}

/** golden-path's build type: what externalParameters and resolvedDependencies hold (docs/supply-chain.md). */
export const goldenPathBuildType = 'https://golden-path.dev/build-types/deliver/v1'
/** The builder of `golden-path deliver --local`: a workstation, not a hosted, hardened builder. */
export const localBuilderId = 'https://golden-path.dev/builders/deliver-local/v1'

export interface ResourceDescriptor {
  uri?: string
  name?: string
  digest: Record<string, string>
}

export interface ProvenanceFacts {
  /** owner/name of the repository that was built. */
  repository: string
  /** The git ref that triggered the build (refs/heads/main, refs/tags/v1.2.3). */
  ref?: string
  /** The commit built. */
  commit?: string
  /** Server of the repository (https://github.com). */
  serverUrl: string
  /** The caller's workflow file, e.g. .github/workflows/release.yml. */
  workflowPath?: string
  /** The workflow inputs that shaped the build. */
  inputs: Record<string, string>
  /** Base images the build resolved (name and digest). */
  baseImages: { name: string; digest: string }[]
  /** The reusable workflow's ref, or the local builder id. */
  builderId: string
  /** The run's URL or another unique id. */
  invocationId?: string
  startedOn?: string
  finishedOn?: string
  goldenPathVersion: string
}

export interface SlsaProvenanceV1 {
  buildDefinition: {
    buildType: string
    externalParameters: {
      repository: string
      ref?: string
      workflow: { repository: string; path?: string; ref?: string }
      inputs: Record<string, string>
    }
    internalParameters: Record<string, string>
    resolvedDependencies: ResourceDescriptor[]
  }
  runDetails: {
    builder: { id: string; version?: Record<string, string> }
    metadata: { invocationId?: string; startedOn?: string; finishedOn?: string }
  }
}

/**
 * The SLSA v1 provenance predicate (slsa.dev/spec/v1.0/provenance) for one golden-path
 * build: the source commit and base image digests as resolved dependencies, the workflow
 * and its inputs as external parameters, and the builder named by the reusable workflow's
 * ref, the way slsa-github-generator and actions/attest-build-provenance name theirs.
 */
export function slsaProvenance(facts: ProvenanceFacts): SlsaProvenanceV1 {
  const source: ResourceDescriptor[] = facts.commit
    ? [
        {
          uri: `git+${facts.serverUrl}/${facts.repository}${facts.ref ? `@${facts.ref}` : ''}`,
          digest: { gitCommit: facts.commit },
        },
      ]
    : []
  const bases = facts.baseImages.map((base) => ({
    uri: `oci://${base.name}`,
    name: base.name,
    digest: digestSet(base.digest),
  }))
  return {
    buildDefinition: {
      buildType: goldenPathBuildType,
      externalParameters: {
        repository: facts.repository,
        ref: facts.ref,
        workflow: { repository: facts.repository, path: facts.workflowPath, ref: facts.ref },
        inputs: facts.inputs,
      },
      internalParameters: {},
      resolvedDependencies: [...source, ...bases],
    },
    runDetails: {
      builder: { id: facts.builderId, version: { 'golden-path': facts.goldenPathVersion } },
      metadata: {
        invocationId: facts.invocationId,
        startedOn: facts.startedOn,
        finishedOn: facts.finishedOn,
      },
    },
  }
}

export const provenancePredicateType = slsaProvenanceV1PredicateType
