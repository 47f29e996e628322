import { UsageError } from '../errors'
import { redactUrls } from '../redaction'

/**
 * Why a call to the Argo CD API did not give an answer. Each message is one
 * line a user can act on; none of them ever contains the token.
 */
export class ArgoCdAuthError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(
      status === 401
        ? `Argo CD rejected the token (HTTP 401${detail ? `: ${detail}` : ''}): check --token or ARGOCD_AUTH_TOKEN, it may be wrong or expired`
        : `the token is not allowed to read this application (HTTP 403${detail ? `: ${detail}` : ''}): check the token's project role, the app name, --app-namespace and --project`,
    )
    this.name = 'ArgoCdAuthError'
  }
}

export class ApplicationNotFoundError extends Error {
  constructor(app: string, detail: string) {
    super(`application '${app}' not found${detail ? ` (${detail})` : ''}`)
    this.name = 'ApplicationNotFoundError'
  }
}

/** The server could not be reached or kept failing (5xx, 429, timeouts) until retries ran out. */
export class ArgoCdUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArgoCdUnavailableError'
  }
}

/** The server answered, but not with something the API defines (a 4xx, or a body that is not JSON). */
export class ArgoCdResponseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArgoCdResponseError'
  }
}

/** The watch endpoint is not served here (a proxy that does not stream, an old path): poll instead. */
export class StreamUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StreamUnavailableError'
  }
}

/** Raised when the caller's signal (the overall deadline) ends a request. */
export class RequestAbortedError extends Error {
  constructor() {
    super('request aborted')
    this.name = 'RequestAbortedError'
  }
}

/**
 * The server redirected to another origin. Following it would send the token there, and an
 * answer from elsewhere proves nothing about this Argo CD: a usage problem (exit 2).
 */
export class CrossOriginRedirectError extends UsageError {
  constructor(what: string, target: string) {
    super(
      `${what} was redirected to another origin, ${redactUrls(target)}; not following it with the token (pass that server as --server if it is the right one)`,
    )
    this.name = 'CrossOriginRedirectError'
  }
}
