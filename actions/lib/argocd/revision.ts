import { UsageError } from '../errors'

/**
 * The commit Argo CD must have applied. A full SHA (40 hex digits, or 64 for
 * SHA-256 repositories) must match exactly; an abbreviated one (7 or more) only
 * as a prefix, and only while no two different revisions share that prefix.
 */
export interface ExpectedRevision {
  value: string
  abbreviated: boolean
}

export function parseExpectedRevision(input: string, label = '--revision'): ExpectedRevision {
  const value = input.trim().toLowerCase()
  if (!/^[0-9a-f]{7,64}$/.test(value)) {
    throw new UsageError(
      `invalid ${label} '${input}': expected a commit SHA (40 hex digits, or an abbreviation of at least 7)`,
    )
  }
  return { value, abbreviated: value.length !== 40 && value.length !== 64 }
}

export function revisionMatches(expected: ExpectedRevision, actual: string | undefined): boolean {
  if (!actual) return false
  const candidate = actual.toLowerCase()
  return expected.abbreviated ? candidate.startsWith(expected.value) : candidate === expected.value
}

/** A short form for messages: the first 12 characters of a SHA, or the value as it is. */
export function shortRevision(revision: string | undefined | null): string {
  if (!revision) return '(none)'
  return /^[0-9a-f]{40,64}$/i.test(revision) ? revision.slice(0, 12) : revision
}
