/** Media types and annotation keys that cosign v3 and the Sigstore bundle spec use for OCI storage. */
export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  /** The config of an artifact manifest that has nothing to configure: the two bytes `{}`. */
  empty: 'application/vnd.oci.empty.v1+json',
  sigstoreBundle: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  inTotoPayload: 'application/vnd.in-toto+json',
} as const

export const Annotation = {
  bundleContent: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  created: 'org.opencontainers.image.created',
} as const

/** The predicate type cosign v3 signs for `cosign sign` (a statement whose predicate is empty). */
export const cosignSignPredicateType = 'https://sigstore.dev/cosign/sign/v1'
export const slsaProvenanceV1PredicateType = 'https://slsa.dev/provenance/v1'
export const cycloneDxPredicateType = 'https://cyclonedx.org/bom'
export const inTotoStatementV1 = 'https://in-toto.io/Statement/v1'

/** The attestation kinds golden-path makes and requires, by cosign's `--type` names. */
export const attestationTypes = {
  slsaprovenance1: slsaProvenanceV1PredicateType,
  cyclonedx: cycloneDxPredicateType,
} as const
export type AttestationType = keyof typeof attestationTypes
export const attestationTypeNames = Object.keys(attestationTypes) as AttestationType[]
