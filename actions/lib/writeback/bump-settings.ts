import { UsageError } from '../errors'
import { assertValidTemplate } from './commit-message'
import type { ImageBump } from './image-occurrence'
import { assertValidDigest, assertValidTag, isValidRepository } from './image-reference'

/**
 * Pairs the images, tags and digests a user gave. One tag may serve several
 * images (a monorepo release); otherwise there is one tag and one digest per image.
 */
export function pairImageBumps(
  images: readonly string[],
  tags: readonly string[],
  digests: readonly string[],
): ImageBump[] {
  if (images.length === 0) throw new UsageError('--image is required')
  for (const image of images) {
    if (!isValidRepository(image)) {
      const hint = /[:@]/.test(image)
        ? ' (give the repository only; the version goes in --tag or --digest)'
        : ''
      throw new UsageError(
        `invalid --image '${image}': expected a repository such as ghcr.io/org/app${hint}`,
      )
    }
  }
  if (tags.length > 1 && tags.length !== images.length) {
    throw new UsageError(
      `got ${tags.length} --tag values for ${images.length} --image values: give one, or one per image`,
    )
  }
  if (digests.length > 0 && digests.length !== images.length) {
    throw new UsageError(
      `got ${digests.length} --digest values for ${images.length} --image values: give one per image`,
    )
  }
  tags.forEach(assertValidTag)
  digests.forEach(assertValidDigest)
  return images.map((image, index) => {
    const tag = tags.length === 1 ? tags[0] : tags[index]
    const digest = digests[index]
    if (tag === undefined && digest === undefined) {
      throw new UsageError(`--tag (or --digest) is required for --image ${image}`)
    }
    return { image, tag, digest }
  })
}

export function parseMaxAttempts(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 100) {
    throw new UsageError(`invalid max-attempts '${value}': expected a whole number from 1 to 100`)
  }
  return parsed
}

export function parseMessageTemplate(value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback
  assertValidTemplate(value)
  return value
}

/**
 * The commit the deployed image was built from, recorded as a trailer: a hex object name
 * only, so nothing else (a line break and a forged trailer) can ride along with it.
 */
export function parseSourceCommit(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  if (!/^[0-9a-f]{7,64}$/i.test(value)) {
    throw new UsageError(
      'invalid source commit: expected a hex commit id (7 to 64 characters of 0-9 and a-f)',
    )
  }
  return value
}

/** A git ref component from user input: refused before it can reach git. */
export function parseBranch(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  if (
    !/^[A-Za-z0-9._/-]+$/.test(value) ||
    value.startsWith('-') ||
    value.includes('..') ||
    value.endsWith('/')
  ) {
    throw new UsageError(
      `invalid branch '${value}': expected letters, digits, '.', '_', '-' and '/'`,
    )
  }
  return value
}
