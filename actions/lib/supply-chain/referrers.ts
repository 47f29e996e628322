import {
  type Descriptor,
  type ImageIndex,
  type RegistryClient,
  sha256Digest,
} from '../registry/registry-client'
import { MediaType } from './media-types'

/** The tag under which OCI 1.1 keeps referrers on a registry without the referrers API. */
export function fallbackTag(digest: string): string {
  return digest.replace(':', '-')
}

export interface ReferrerAttachment {
  repository: string
  /** The image the bundle is about. */
  subject: Descriptor
  bundle: Buffer
  annotations: Record<string, string>
}

export interface AttachedReferrer {
  /** Digest of the referrer manifest that holds the bundle. */
  digest: string
  /** 'referrers-api' when the registry indexed it itself, 'fallback-tag' when golden-path did. */
  storedVia: 'referrers-api' | 'fallback-tag'
}

const emptyConfig = Buffer.from('{}')

/** Reads the descriptor of an image by digest; undefined when the registry has no such image. */
export async function imageDescriptor(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<Descriptor | undefined> {
  const manifest = await client.getManifest(repository, digest)
  if (!manifest) return undefined
  return { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length }
}

/**
 * Stores a Sigstore bundle the way cosign v3 does: an OCI image manifest whose artifactType
 * and only layer are the bundle media type, an empty config, and `subject` pointing at the
 * image. A registry with the referrers API indexes it from `subject`; for one without (such
 * as distribution 2.x) the manifest is also listed in the image index under the fallback tag
 * `sha256-<hex>`, which is where cosign and other OCI 1.1 clients look next.
 */
export async function attachReferrer(
  client: RegistryClient,
  attachment: ReferrerAttachment,
): Promise<AttachedReferrer> {
  const { repository } = attachment
  const config = await client.putBlob(repository, emptyConfig, MediaType.empty)
  const layer = await client.putBlob(repository, attachment.bundle, MediaType.sigstoreBundle)
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: MediaType.sigstoreBundle,
    config,
    layers: [layer],
    subject: {
      mediaType: attachment.subject.mediaType,
      digest: attachment.subject.digest,
      size: attachment.subject.size,
    },
    annotations: attachment.annotations,
  }
  const bytes = Buffer.from(JSON.stringify(manifest))
  const digest = await client.putManifest(
    repository,
    sha256Digest(bytes),
    bytes,
    MediaType.ociManifest,
  )
  const native = await client.referrersApi(repository, attachment.subject.digest)
  if (native?.manifests.some((entry) => entry.digest === digest)) {
    return { digest, storedVia: 'referrers-api' }
  }
  const tag = fallbackTag(attachment.subject.digest)
  const current = await client.getManifest(repository, tag, [MediaType.ociIndex])
  const index: ImageIndex = current
    ? (JSON.parse(current.bytes.toString('utf8')) as ImageIndex)
    : { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }
  if (!index.manifests.some((entry) => entry.digest === digest)) {
    index.manifests.push({
      mediaType: MediaType.ociManifest,
      digest,
      size: bytes.length,
      artifactType: MediaType.sigstoreBundle,
      annotations: attachment.annotations,
    })
  }
  await client.putManifest(repository, tag, Buffer.from(JSON.stringify(index)), MediaType.ociIndex)
  return { digest, storedVia: 'fallback-tag' }
}

export interface FoundReferrers {
  descriptors: Descriptor[]
  foundVia: 'referrers-api' | 'fallback-tag'
}

/** More referrer manifests than this are not read to learn what they are. */
const maxUnlabelledReferrers = 256

/**
 * Every Sigstore bundle referrer of a digest, through the referrers API when the registry
 * answers it, else through the fallback tag. Like cosign v3 (go-containerregistry), a
 * registry that answers the API is taken at its word: its fallback tag is not read.
 *
 * A registry lists each referrer's artifactType: the OCI 1.1 release makes that the
 * manifest's `artifactType`, but registries that follow its release candidates (such as
 * go-containerregistry's) list the config media type, which for a bundle referrer is the
 * empty type, and may leave out annotations. Those entries are resolved by reading the
 * referrer manifest itself; referrers that name another artifactType are skipped unread.
 */
export async function findBundleReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<FoundReferrers> {
  const native = await client.referrersApi(repository, digest)
  if (!native) {
    const stored = await client.getManifest(repository, fallbackTag(digest), [MediaType.ociIndex])
    const index = stored ? (JSON.parse(stored.bytes.toString('utf8')) as ImageIndex) : undefined
    return { descriptors: bundleEntries(index), foundVia: 'fallback-tag' }
  }
  const descriptors: Descriptor[] = []
  let unlabelled = 0
  for (const entry of native.manifests ?? []) {
    if (entry.artifactType === MediaType.sigstoreBundle) {
      descriptors.push(entry)
      continue
    }
    if (entry.artifactType !== undefined && entry.artifactType !== MediaType.empty) continue
    if (++unlabelled > maxUnlabelledReferrers) break
    const manifest = await client.getManifest(repository, entry.digest, [MediaType.ociManifest])
    if (!manifest) continue
    const parsed = JSON.parse(manifest.bytes.toString('utf8')) as {
      artifactType?: string
      annotations?: Record<string, string>
    }
    if (parsed.artifactType !== MediaType.sigstoreBundle) continue
    descriptors.push({
      ...entry,
      artifactType: MediaType.sigstoreBundle,
      annotations: { ...entry.annotations, ...parsed.annotations },
    })
  }
  return { descriptors, foundVia: 'referrers-api' }
}

function bundleEntries(index: ImageIndex | undefined): Descriptor[] {
  return (index?.manifests ?? []).filter((entry) => entry.artifactType === MediaType.sigstoreBundle)
}

/**
 * How many Sigstore bundles the fallback tag of a digest lists that the referrers API does
 * not: on a registry with the API they are invisible to cosign and admission controllers
 * (left by a client that wrote the tag scheme, or by a move from a registry without the API).
 */
export async function bundlesOnlyUnderFallbackTag(
  client: RegistryClient,
  repository: string,
  digest: string,
  listed: readonly Descriptor[],
): Promise<number> {
  const stored = await client.getManifest(repository, fallbackTag(digest), [MediaType.ociIndex])
  if (!stored) return 0
  let index: ImageIndex
  try {
    index = JSON.parse(stored.bytes.toString('utf8')) as ImageIndex
  } catch {
    return 0
  }
  const known = new Set(listed.map((entry) => entry.digest))
  return bundleEntries(index).filter((entry) => !known.has(entry.digest)).length
}

export interface ReferrerBundle {
  manifestDigest: string
  /** The image digest the referrer manifest names as its subject. */
  subjectDigest: string | undefined
  annotations: Record<string, string>
  bundle: Buffer
}

/** The bundle inside one referrer manifest (its first layer of the bundle media type). */
export async function readReferrerBundle(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
): Promise<ReferrerBundle | undefined> {
  const stored = await client.getManifest(repository, descriptor.digest, [MediaType.ociManifest])
  if (!stored) return undefined
  const manifest = JSON.parse(stored.bytes.toString('utf8')) as {
    layers?: Descriptor[]
    subject?: Descriptor
    annotations?: Record<string, string>
  }
  const layer = manifest.layers?.find((entry) => entry.mediaType === MediaType.sigstoreBundle)
  if (!layer) return undefined
  return {
    manifestDigest: stored.digest,
    subjectDigest: manifest.subject?.digest,
    annotations: manifest.annotations ?? {},
    bundle: await client.getBlob(repository, layer.digest),
  }
}
