import { UsageError } from '../errors'

/**
 * An image name as the distribution reference grammar defines it
 * (github.com/distribution/reference): optional registry host[:port], a
 * lowercase path, then an optional :tag and/or @digest.
 */
export interface ImageReference {
  /** Registry host and path, e.g. ghcr.io/example-org/app. */
  repository: string
  tag?: string
  digest?: string
}

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const domain =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?'
const repositoryPattern = new RegExp(`^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*$`)
const tagPattern = /^[\w][\w.-]{0,127}$/
const digestPattern = /^sha256:[a-f0-9]{64}$/

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag)
}

/** Parses `repo[:tag][@digest]`, throwing a UsageError that names `what` (a flag or input). */
export function parseImageReference(value: string, what: string): ImageReference {
  const invalid = (why: string) => new UsageError(`invalid ${what} '${value}': ${why}`)
  let rest = value.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!digestPattern.test(digest)) throw invalid('the digest must be sha256: and 64 hex digits')
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!isValidTag(tag))
      throw invalid(`tag '${tag}' may hold only letters, digits, '_', '.', '-' (at most 128)`)
  }
  if (rest.length > 255) throw invalid('the repository name is longer than 255 characters')
  if (!repositoryPattern.test(rest)) {
    throw invalid(
      'expected [registry[:port]/]path with lowercase letters, digits and . _ - separators',
    )
  }
  return { repository: rest, tag, digest }
}

/** A repository with neither tag nor digest, as --image takes it. */
export function parseRepository(value: string, what: string): string {
  const reference = parseImageReference(value, what)
  if (reference.tag || reference.digest) {
    throw new UsageError(`invalid ${what} '${value}': give the repository only; tags go in --tag`)
  }
  return reference.repository
}
