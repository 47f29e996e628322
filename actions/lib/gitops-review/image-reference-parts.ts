/** A container image reference split into the repository and what pins it. */
export interface ImageReferenceParts {
  repository: string
  tag?: string
  digest?: string
}

/**
 * Splits `repository[:tag][@digest]`. A colon before the last slash belongs to a
 * registry port (`127.0.0.1:5000/acme/payments`), never to a tag.
 */
export function imageReferenceParts(reference: string): ImageReferenceParts {
  let rest = reference.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest }
  }
  return { repository: rest, digest }
}

/** What a reference pins, for a reader: the digest when there is one, else the tag. */
export function pinOf(parts: ImageReferenceParts): string {
  if (parts.digest) return parts.tag ? `${parts.tag}@${parts.digest}` : parts.digest
  return parts.tag ?? 'latest'
}
