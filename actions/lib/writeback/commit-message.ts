import { UsageError } from '../errors'

export const defaultMessageTemplate = 'deploy({env}): {image} {old} → {new}'

/** What a message template can refer to, as `{name}`. */
export interface CommitMessageFields {
  env: string
  app: string
  image: string
  old: string
  new: string
  tag: string
  digest: string
}

const placeholders = ['env', 'app', 'image', 'old', 'new', 'tag', 'digest'] as const

/** Fails early on a template naming a field that does not exist. */
export function assertValidTemplate(template: string): void {
  if (/[\r\n]/.test(template)) {
    throw new UsageError('invalid --message: the subject must be one line (no line breaks)')
  }
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!(placeholders as readonly string[]).includes(match[1]!)) {
      throw new UsageError(
        `invalid --message placeholder '{${match[1]}}': expected one of ${placeholders.map((name) => `{${name}}`).join(', ')}`,
      )
    }
  }
}

export interface CommitTrailers {
  /** The full new reference, e.g. ghcr.io/org/app:1.2.3@sha256:... */
  image: string
  digest?: string
  sourceCommit?: string
}

/**
 * The commit message: the rendered subject line, then git trailers that let
 * later steps find which image and which source commit a deploy commit carries.
 */
export function renderCommitMessage(
  template: string,
  fields: CommitMessageFields,
  trailers: readonly CommitTrailers[],
): string {
  const subject = template.replace(
    /\{(env|app|image|old|new|tag|digest)\}/g,
    (_, name: keyof CommitMessageFields) => fields[name],
  )
  // A line break in the subject (from a template value) would start the body, where it could
  // pose as one of the trailers below.
  if (/[\r\n\u0085\u2028\u2029]/.test(subject)) {
    throw new UsageError(
      'invalid commit subject: --message and the values it names must stay on one line',
    )
  }
  if (
    trailers.some((trailer) =>
      /[^\x21-\x7e]/.test(`${trailer.image}${trailer.digest ?? ''}${trailer.sourceCommit ?? ''}`),
    )
  ) {
    throw new UsageError(
      'invalid commit trailer: image, digest and source commit must be one word each',
    )
  }
  const lines: string[] = []
  for (const trailer of trailers) {
    lines.push(`Golden-Path-Image: ${trailer.image}`)
    if (trailer.digest) lines.push(`Golden-Path-Digest: ${trailer.digest}`)
  }
  const source = trailers.find((trailer) => trailer.sourceCommit)?.sourceCommit
  if (source) lines.push(`Golden-Path-Source-Commit: ${source}`)
  return `${subject}\n\n${lines.join('\n')}\n`
}
