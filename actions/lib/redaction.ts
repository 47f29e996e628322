/*
 * One place that keeps secrets out of everything golden-path prints: URL userinfo, the tokens
 * and passwords in use, and what servers send back. Messages reach users through oneLine()
 * (errors.ts), which applies redact() to every one of them.
 */

const masked = '***'

/** Secret values in use by this process, longest first so a longer one is masked whole. */
const secrets: string[] = []

/**
 * Registers a secret so no message shows it: the value itself and each of its lines (a
 * multi-line value shows up line by line in logs). Values shorter than 4 characters would
 * mask ordinary text and are left out.
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return
  for (const part of secretParts(value)) {
    if (part.length >= 4 && !secrets.includes(part)) secrets.push(part)
  }
  secrets.sort((a, b) => b.length - a.length)
}

/**
 * The value and each of its non-blank lines: what `core.setSecret` needs, since the runner
 * masks log output line by line and would miss the lines of a multi-line value.
 */
export function secretParts(value: string): string[] {
  const parts = new Set<string>()
  if (value.trim() !== '') parts.add(value)
  for (const line of value.split(/\r?\n|\r/)) {
    const part = line.trim()
    if (part !== '') parts.add(part)
  }
  return [...parts]
}

// scheme://user[:password]@host — the userinfo ends at the last `@` before the path.
const urlUserinfo = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@]*(?::[^\s/?#]*)?@)+/g

/** Removes the userinfo (user and password) of every URL in a text. */
export function redactUrls(text: string): string {
  return text.replace(urlUserinfo, `$1${masked}@`)
}

/** Masks every registered secret in a text. */
export function scrubSecrets(text: string, extra: readonly string[] = []): string {
  let result = text
  for (const secret of extra.length > 0 ? [...extra, ...secrets] : secrets) {
    if (secret && result.includes(secret)) result = result.split(secret).join(masked)
  }
  return result
}

/** Both: what every message goes through before anyone sees it. */
export function redact(text: string): string {
  return scrubSecrets(redactUrls(text))
}

/**
 * A server's answer quoted in a message: at most `limit` characters on one line, with URL
 * userinfo and the secrets in use masked.
 */
export function serverExcerpt(body: string, limit = 200): string {
  const line = redact(body).replace(/\s+/g, ' ').trim()
  return line.length > limit ? `${line.slice(0, limit)}…` : line
}

/**
 * Whether a value may travel in an HTTP header: no control characters (a line break would
 * split the header, and the HTTP client's own error would print the value).
 */
export function hasControlCharacters(value: string): boolean {
  return /[\x00-\x1f\x7f]/.test(value)
}
