import { UsageError } from '../errors'
import { parseImageReference } from '../registry/image-reference'

/** An image pinned by digest: what is signed, attested and verified is exactly these bytes. */
export interface PinnedImage {
  /** The reference as given, without the digest (host/path or path). */
  name: string
  /** Registry host[:port] to talk to. */
  registry: string
  /** Repository path inside the registry. */
  repository: string
  digest: string
}

/**
 * Parses `REF@sha256:…`. A tag alone is refused: a tag can move between the check and the
 * deploy, a digest cannot. Docker Hub names are expanded as docker does (library/ for
 * official images, registry-1.docker.io as the API host).
 */
export function parsePinnedImage(value: string, what = '--image'): PinnedImage {
  const reference = parseImageReference(value, what)
  if (!reference.digest) {
    throw new UsageError(
      `invalid ${what} '${value}': pin the image by digest (REF@sha256:…); a tag can move`,
    )
  }
  const first = reference.repository.split('/')[0]!
  const hasHost =
    reference.repository.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
  let registry = hasHost ? first : 'docker.io'
  let repository = hasHost ? reference.repository.slice(first.length + 1) : reference.repository
  if (registry === 'docker.io') {
    registry = 'registry-1.docker.io'
    if (!repository.includes('/')) repository = `library/${repository}`
  }
  return { name: reference.repository, registry, repository, digest: reference.digest }
}

/** name@digest, as a user gave it. */
export function pinnedReference(image: PinnedImage): string {
  return `${image.name}@${image.digest}`
}
