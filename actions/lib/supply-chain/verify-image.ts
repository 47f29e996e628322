import type { KeyObject } from 'node:crypto'
import { type Bundle, bundleFromJSON } from '@sigstore/bundle'
import type { TrustedRoot } from '@sigstore/protobuf-specs'
import { type Signer, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify'
import type { Logger } from '../ports'
import type { RegistryClient } from '../registry/registry-client'
import { RegistryError } from '../registry/registry-errors'
import {
  Annotation,
  type AttestationType,
  attestationTypes,
  cosignSignPredicateType,
  inTotoStatementV1,
  MediaType,
  slsaProvenanceV1PredicateType,
} from './media-types'
import { type PinnedImage, pinnedReference } from './pinned-image'
import {
  bundlesOnlyUnderFallbackTag,
  fallbackTag,
  findBundleReferrers,
  readReferrerBundle,
} from './referrers'
import type { InTotoStatement, SlsaProvenanceV1 } from './statements'

/** Who must have signed: the holder of a key, or a keyless identity from an OIDC issuer. */
export type SignerPolicy =
  | { kind: 'key'; publicKey: KeyObject }
  | {
      kind: 'keyless'
      identityRegexp: RegExp
      issuer: string
      /** Fulcio CAs and Rekor/CT log keys to trust (Sigstore's public-good root by default). */
      trustedRoot: TrustedRoot
    }

export interface VerificationPolicy {
  signer: SignerPolicy
  requiredAttestations: AttestationType[]
  /** owner/name the provenance must name as the built repository. */
  sourceRepository?: string
  /** What the provenance's runDetails.builder.id must match. */
  builderIdRegexp?: RegExp
}

export interface AttestationVerdict {
  type: AttestationType
  verified: boolean
  /** Why no attestation of this type passed, when none did. */
  problem?: string
  builderId?: string
  sourceRepository?: string
}

export interface ImageVerification {
  verified: boolean
  image: string
  digest: string
  foundVia: 'referrers-api' | 'fallback-tag'
  signature: { verified: boolean; signer?: string; problem?: string }
  attestations: AttestationVerdict[]
  /** One line per reason the image failed; empty when it passed. */
  problems: string[]
}

const maxReferrers = 256

/** A bundle that passed cryptographic verification, with its statement and signer. */
interface VerifiedStatement {
  statement: InTotoStatement
  signer: string
}

/** The verification could not run (registry unreachable, refused); not a verdict on the image. */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'VerificationError'
  }
}

function verifierFor(policy: SignerPolicy): Verifier {
  if (policy.kind === 'key') {
    const emptyRoot = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    } as unknown as TrustedRoot
    // The key is the trust anchor whatever hint a bundle carries (cosign and golden-path
    // write different hints); a signature by another key fails the signature check.
    const material = toTrustMaterial(emptyRoot, () => ({
      publicKey: policy.publicKey,
      validFor: () => true,
    }))
    return new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 })
  }
  return new Verifier(toTrustMaterial(policy.trustedRoot), {
    tlogThreshold: 1,
    ctlogThreshold: 1,
    timestampThreshold: 1,
  })
}

function describeSigner(policy: SignerPolicy, signer: Signer): string {
  if (policy.kind === 'key') return 'the given public key'
  return `${signer.identity?.subjectAlternativeName ?? '(no identity)'} (${signer.identity?.extensions?.issuer ?? 'no issuer'})`
}

/** Checks one bundle: signature, signer policy, DSSE payload and subject digest. */
function verifyBundle(
  bundleBytes: Buffer,
  image: PinnedImage,
  policy: SignerPolicy,
  verifier: Verifier,
): VerifiedStatement | { problem: string } {
  let bundle: Bundle
  try {
    bundle = bundleFromJSON(JSON.parse(bundleBytes.toString('utf8')))
  } catch {
    return { problem: 'a stored bundle is not a valid Sigstore bundle' }
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return { problem: 'a stored bundle holds a bare message signature, not a DSSE statement' }
  }
  let signer: Signer
  try {
    signer = verifier.verify(toSignedEntity(bundle))
  } catch (error) {
    const code = (error as { code?: string }).code
    if (policy.kind === 'key' && code === 'SIGNATURE_ERROR') {
      return { problem: 'signed by another key, or its content was altered after signing' }
    }
    return { problem: `bundle failed verification: ${(error as Error).message}` }
  }
  if (policy.kind === 'keyless') {
    const identity = signer.identity?.subjectAlternativeName ?? ''
    const issuer = signer.identity?.extensions?.issuer ?? ''
    if (!policy.identityRegexp.test(identity)) {
      return {
        problem: `signed by ${identity || '(no identity)'}, which does not match ${policy.identityRegexp.source}`,
      }
    }
    if (issuer !== policy.issuer) {
      return { problem: `signed through issuer ${issuer || '(none)'}, not ${policy.issuer}` }
    }
  }
  const envelope = bundle.content.dsseEnvelope
  if (envelope.payloadType !== MediaType.inTotoPayload) {
    return { problem: `a signed payload is ${envelope.payloadType}, not an in-toto statement` }
  }
  let statement: InTotoStatement
  try {
    statement = JSON.parse(Buffer.from(envelope.payload).toString('utf8')) as InTotoStatement
  } catch {
    return { problem: 'a signed statement is not JSON' }
  }
  if (
    statement._type !== inTotoStatementV1 &&
    statement._type !== 'https://in-toto.io/Statement/v0.1'
  ) {
    return { problem: `a signed statement has type ${String(statement._type)}` }
  }
  const hex = image.digest.slice('sha256:'.length)
  const subjects = Array.isArray(statement.subject) ? statement.subject : []
  if (!subjects.some((subject) => subject?.digest?.sha256 === hex)) {
    const other = subjects[0]?.digest?.sha256
    return {
      problem: `a ${statement.predicateType} statement is signed for another digest (sha256:${other ?? 'none'})`,
    }
  }
  return { statement, signer: describeSigner(policy, signer) }
}

function provenanceProblem(
  statement: InTotoStatement,
  policy: VerificationPolicy,
): string | undefined {
  const predicate = statement.predicate as Partial<SlsaProvenanceV1> | undefined
  const repository = predicate?.buildDefinition?.externalParameters?.repository
  const builderId = predicate?.runDetails?.builder?.id
  if (policy.sourceRepository !== undefined && repository !== policy.sourceRepository) {
    return `provenance names source repository ${repository ?? '(none)'}, not ${policy.sourceRepository}`
  }
  if (policy.builderIdRegexp !== undefined && !policy.builderIdRegexp.test(builderId ?? '')) {
    return `provenance names builder ${builderId ?? '(none)'}, which does not match ${policy.builderIdRegexp.source}`
  }
  return undefined
}

/**
 * Decides whether an image digest may be deployed: at least one signature (cosign's sign
 * statement) by the expected signer for exactly this digest, and for every required
 * attestation type one attestation by that signer, for this digest, that meets the policy
 * (source repository, builder). Bundles are found the way cosign finds them: the referrers
 * API, or the `sha256-<hex>` fallback tag on registries without it.
 */
export async function verifyImage(
  image: PinnedImage,
  policy: VerificationPolicy,
  ports: { registry: RegistryClient; logger: Logger },
): Promise<ImageVerification> {
  const verifier = verifierFor(policy.signer)
  const reference = pinnedReference(image)
  let found: Awaited<ReturnType<typeof findBundleReferrers>>
  const verified: VerifiedStatement[] = []
  const rejected: { predicateType: string; problem: string }[] = []
  try {
    const manifest = await ports.registry.getManifest(image.repository, image.digest)
    if (!manifest) {
      return failed(image, 'fallback-tag', [`${reference} is not in the registry`], policy)
    }
    found = await findBundleReferrers(ports.registry, image.repository, image.digest)
    // Bounded: a registry listing thousands of referrers cannot make verification unbounded.
    for (const descriptor of found.descriptors.slice(0, maxReferrers)) {
      const stored = await readReferrerBundle(ports.registry, image.repository, descriptor)
      if (!stored) {
        rejected.push({
          predicateType: descriptor.annotations?.[Annotation.predicateType] ?? 'unknown predicate',
          problem: `referrer ${descriptor.digest} holds no bundle`,
        })
        continue
      }
      const predicateType =
        stored.annotations[Annotation.predicateType] ??
        descriptor.annotations?.[Annotation.predicateType] ??
        'unknown predicate'
      if (stored.subjectDigest !== image.digest) {
        rejected.push({
          predicateType,
          problem: `referrer ${descriptor.digest} is about ${stored.subjectDigest ?? 'nothing'}`,
        })
        continue
      }
      const outcome = verifyBundle(stored.bundle, image, policy.signer, verifier)
      if ('problem' in outcome) {
        ports.logger.debug(`${descriptor.digest}: ${outcome.problem}`)
        rejected.push({ predicateType, problem: outcome.problem })
      } else {
        verified.push(outcome)
      }
    }
  } catch (error) {
    if (error instanceof RegistryError) throw new VerificationError(error.message)
    throw error
  }
  const problems: string[] = []
  const reasons = (predicateType: string) => {
    const matching = rejected.filter((entry) => entry.predicateType === predicateType)
    const list = (matching.length > 0 ? matching : rejected).map((entry) => entry.problem)
    return [...new Set(list)].join('; ')
  }
  const signature = verified.find(
    (entry) => entry.statement.predicateType === cosignSignPredicateType,
  )
  const signatureVerdict: ImageVerification['signature'] = signature
    ? { verified: true, signer: signature.signer }
    : {
        verified: false,
        problem:
          found.descriptors.length === 0
            ? `no signature stored for ${reference} (unsigned digest)`
            : `no valid signature for ${reference}: ${reasons(cosignSignPredicateType) || 'only attestations are stored'}`,
      }
  if (signatureVerdict.problem) problems.push(signatureVerdict.problem)
  const attestations = policy.requiredAttestations.map((type): AttestationVerdict => {
    const predicateType = attestationTypes[type]
    const candidates = verified.filter((entry) => entry.statement.predicateType === predicateType)
    if (candidates.length === 0) {
      const why = reasons(predicateType)
      return {
        type,
        verified: false,
        problem: `no valid ${type} attestation for ${reference}${why ? `: ${why}` : ''}`,
      }
    }
    if (predicateType !== slsaProvenanceV1PredicateType) return { type, verified: true }
    const policyProblems = candidates.map((entry) => provenanceProblem(entry.statement, policy))
    const passing = candidates.find((_, index) => policyProblems[index] === undefined)
    const predicate = (passing ?? candidates[0]!).statement.predicate as Partial<SlsaProvenanceV1>
    const facts = {
      builderId: predicate.runDetails?.builder?.id,
      sourceRepository: predicate.buildDefinition?.externalParameters?.repository,
    }
    if (passing) return { type, verified: true, ...facts }
    return {
      type,
      verified: false,
      problem: `${type} attestation rejected: ${policyProblems[0]}`,
      ...facts,
    }
  })
  for (const attestation of attestations) {
    if (attestation.problem) problems.push(attestation.problem)
  }
  if (problems.length > 0 && found.foundVia === 'referrers-api') {
    // Only a hint for the verdict: a registry error reading the tag changes nothing.
    const hidden = await bundlesOnlyUnderFallbackTag(
      ports.registry,
      image.repository,
      image.digest,
      found.descriptors,
    ).catch(() => 0)
    if (hidden > 0) {
      problems.push(
        `the fallback tag ${fallbackTag(image.digest)} lists ${hidden} Sigstore bundle${hidden === 1 ? '' : 's'} the registry's referrers API does not list, and on a registry with the API only the API counts (as for cosign and admission controllers): sign and attest again to store them where it lists them`,
      )
    }
  }
  return {
    verified: problems.length === 0,
    image: image.name,
    digest: image.digest,
    foundVia: found.foundVia,
    signature: signatureVerdict,
    attestations,
    problems,
  }
}

function failed(
  image: PinnedImage,
  foundVia: ImageVerification['foundVia'],
  problems: string[],
  policy: VerificationPolicy,
): ImageVerification {
  return {
    verified: false,
    image: image.name,
    digest: image.digest,
    foundVia,
    signature: { verified: false, problem: problems[0] },
    attestations: policy.requiredAttestations.map((type) => ({ type, verified: false })),
    problems,
  }
}
