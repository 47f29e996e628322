import { UsageError } from '../errors'
import { WriteBackFailure } from './write-back-failure'

/**
 * A container image reference split the way the OCI distribution spec and the
 * docker reference grammar do: `[registry[:port]/]path[:tag][@digest]`.
 */
export interface ImageReference {
  /** Everything before the tag and digest: registry (with port) and path. */
  repository: string
  tag?: string
  digest?: string
}

// Distribution's reference grammar: a tag is a word character followed by up to
// 127 word characters, dots and dashes.
const tagPattern = /^[\w][\w.-]{0,127}$/
// The algorithms registries accept in practice, with their fixed hex lengths.
const digestPattern = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const registryHost =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag)
}

export function isValidDigest(digest: string): boolean {
  return digestPattern.test(digest)
}

export function assertValidTag(tag: string): void {
  if (!isValidTag(tag)) {
    throw new UsageError(
      `invalid tag '${tag}': a tag is 1-128 letters, digits, '_', '.' or '-' and cannot start with '.' or '-'`,
    )
  }
}

export function assertValidDigest(digest: string): void {
  if (!isValidDigest(digest)) {
    throw new UsageError(
      `invalid digest '${digest}': expected sha256: followed by 64 lowercase hex digits (or sha512: and 128)`,
    )
  }
}

/** Whether `repository` (no tag, no digest) is a well-formed image name. */
export function isValidRepository(repository: string): boolean {
  if (repository.length === 0 || repository.length > 255) return false
  const parts = repository.split('/')
  const first = parts[0]!
  // As in the docker grammar, the first component is a registry host only when
  // it contains a dot or a port, or is localhost.
  const hasRegistry =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  if (hasRegistry && !registryHost.test(first)) return false
  const path = hasRegistry ? parts.slice(1) : parts
  return path.length > 0 && path.every((component) => pathComponent.test(component))
}

/** Parses a full reference; returns undefined when the text is not one. */
export function parseImageReference(text: string): ImageReference | undefined {
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!isValidDigest(digest)) return undefined
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.indexOf(':', lastSlash + 1)
  if (colon !== -1) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!isValidTag(tag)) return undefined
  }
  if (!isValidRepository(rest)) return undefined
  return { repository: rest, tag, digest }
}

/** Parses a reference given by a user, or throws a UsageError naming the flag. */
export function parseImageFlag(flag: string, text: string): ImageReference {
  const reference = parseImageReference(text)
  if (reference === undefined) {
    throw new UsageError(
      `invalid ${flag} '${text}': expected an image reference such as registry.example:5000/team/app`,
    )
  }
  return reference
}

export function formatImageReference(reference: ImageReference): string {
  return `${reference.repository}${versionSuffix(reference)}`
}

/** The `:tag`, `@digest` or `:tag@digest` that follows a repository. */
export function versionSuffix(reference: { tag?: string; digest?: string }): string {
  return `${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`
}

/** What a bump reports as a version: `tag`, `@digest` or `tag@digest`. */
export function describeVersion(version: { tag?: string; digest?: string }): string {
  const text = `${version.tag ?? ''}${version.digest ? `@${version.digest}` : ''}`
  return text === '' ? '(none)' : text
}

/**
 * A reference pinned by digest keeps deploying the pinned image whatever its tag says, so a
 * tag-only bump would either change nothing that runs or silently drop the pin. Refused, the
 * same way for every kind of target.
 */
export function assertPinKept(
  current: { digest?: string },
  bump: { digest?: string },
  where: string,
): void {
  if (current.digest && !bump.digest) {
    throw new WriteBackFailure(
      `${where} pins digest ${current.digest}; pass --digest too, or the old digest would keep deploying the old image`,
    )
  }
}
