import { blockedPortMessage, isBlockedPortError } from '../fetch-failure'
import type { Logger } from '../ports'
import { registerSecret, serverExcerpt } from '../redaction'
import type { AbortableClock } from './abortable-clock'
import type { Application, ApplicationTree, ApplicationWatchEvent } from './application'
import {
  ApplicationNotFoundError,
  ArgoCdAuthError,
  ArgoCdResponseError,
  ArgoCdUnavailableError,
  CrossOriginRedirectError,
  RequestAbortedError,
  StreamUnavailableError,
} from './errors'
import { type RetryPolicy, retryDelayMs } from './retry-policy'
import { decodeMessages, type StreamFormat } from './stream-decoder'

/**
 * The largest answer read from Argo CD: an Application or resource tree of a very large app
 * stays far below it, and nothing bigger is held in memory.
 */
export const maxAnswerBytes = 64 * 1024 * 1024
/** An error answer is only quoted: its first bytes are enough. */
const maxErrorBodyBytes = 64 * 1024
const maxRedirects = 5
const redirectStatuses = new Set([301, 302, 303, 307, 308])

/** Thrown by readLimited when a body is larger than its limit. */
class AnswerTooLarge extends Error {}

/**
 * A response body read chunk by chunk and never beyond `limit` bytes: over it, reading stops
 * (the connection is dropped) and AnswerTooLarge is thrown, or with `truncate` the first
 * `limit` bytes are returned.
 */
async function readLimited(response: Response, limit: number, truncate = false): Promise<string> {
  if (!response.body) return ''
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (!truncate && declared > limit) {
    await response.body.cancel().catch(() => {})
    throw new AnswerTooLarge()
  }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      total += value.length
      if (total > limit) {
        if (!truncate) throw new AnswerTooLarge()
        break
      }
    }
  } finally {
    if (total > limit) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
  const bytes = Buffer.concat(chunks, total)
  return bytes.subarray(0, Math.min(total, limit)).toString('utf8')
}

/** The subset of `fetch` the client uses; the CLI and action hand in Node's (or undici's for custom TLS). */
export type FetchPort = (url: string, init: RequestInit) => Promise<Response>

export interface ArgoCdClientOptions {
  /** Base URL of the Argo CD server, including any root path, without a trailing slash. */
  server: string
  token: string
  appNamespace?: string
  project?: string
  requestTimeoutMs: number
  retry: RetryPolicy
  fetch: FetchPort
  clock: AbortableClock
  logger: Logger
}

export type RefreshMode = 'normal' | 'hard'

/** TLS failures do not heal by retrying; they need a CA bundle or an explicit opt-out. */
const tlsErrorCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

class RetryableFailure {
  constructor(
    readonly reason: string,
    readonly retryAfter: string | null = null,
  ) {}
}

/**
 * A client for the parts of Argo CD's REST API (the gRPC gateway of the API
 * server) that verification needs: get, sync, resource tree and the watch stream.
 */
export class ArgoCdClient {
  /** Why the latest retried request failed, for a timeout message that says what was going wrong. */
  lastFailure: string | undefined

  constructor(private readonly options: ArgoCdClientOptions) {
    // Whatever a server echoes back, the token in use never reaches a message.
    registerSecret(options.token)
  }

  /**
   * `fetch` that follows redirects only within the server's origin: a redirect elsewhere would
   * carry the token to another host and accept its answer as Argo CD's.
   */
  private async fetchSameOrigin(url: string, init: RequestInit, what: string): Promise<Response> {
    let target = url
    let request = init
    for (let hop = 0; ; hop++) {
      const response = await this.options.fetch(target, { ...request, redirect: 'manual' })
      const location = response.headers.get('location')
      if (!redirectStatuses.has(response.status) || location === null) return response
      await response.body?.cancel().catch(() => {})
      const next = new URL(location, target)
      if (next.origin !== new URL(target).origin) {
        throw new CrossOriginRedirectError(what, next.href)
      }
      if (hop >= maxRedirects) {
        throw new ArgoCdResponseError(`${what} was redirected more than ${maxRedirects} times`)
      }
      if (response.status === 303) request = { ...request, method: 'GET', body: undefined }
      target = next.href
    }
  }

  getApplication(
    name: string,
    { refresh, signal }: { refresh?: RefreshMode; signal?: AbortSignal } = {},
  ): Promise<Application> {
    const query = this.scope('project')
    if (refresh) query.set('refresh', refresh)
    return this.request(
      name,
      'GET',
      `/api/v1/applications/${encodeURIComponent(name)}`,
      query,
      undefined,
      signal,
    ) as Promise<Application>
  }

  /** Starts a sync to `revision` (or the app's target revision): for apps without automated sync. */
  syncApplication(
    name: string,
    revision: string | undefined,
    signal?: AbortSignal,
  ): Promise<Application> {
    const body: Record<string, unknown> = { name, prune: false }
    if (revision) body.revision = revision
    if (this.options.appNamespace) body.appNamespace = this.options.appNamespace
    if (this.options.project) body.project = this.options.project
    return this.request(
      name,
      'POST',
      `/api/v1/applications/${encodeURIComponent(name)}/sync`,
      new URLSearchParams(),
      body,
      signal,
    ) as Promise<Application>
  }

  resourceTree(name: string, signal?: AbortSignal): Promise<ApplicationTree> {
    return this.request(
      name,
      'GET',
      `/api/v1/applications/${encodeURIComponent(name)}/resource-tree`,
      this.scope('project'),
      undefined,
      signal,
    ) as Promise<ApplicationTree>
  }

  /**
   * Opens `GET /api/v1/stream/applications?name=…` and yields its events until
   * the server closes the stream or `signal` aborts. The first event after
   * connecting carries the current state of the app.
   */
  async *watch(
    name: string,
    format: StreamFormat,
    signal: AbortSignal,
  ): AsyncGenerator<ApplicationWatchEvent> {
    const query = this.scope('projects')
    query.set('name', name)
    const url = this.url('/api/v1/stream/applications', query)
    const connect = linkedTimeout(signal, this.options.requestTimeoutMs)
    let response: Response
    try {
      response = await this.fetchSameOrigin(
        url,
        {
          method: 'GET',
          headers: this.headers(format === 'sse' ? 'text/event-stream' : 'application/json'),
          signal: connect.signal,
        },
        'GET /api/v1/stream/applications',
      )
    } catch (error) {
      connect.dispose()
      if (signal.aborted) throw new RequestAbortedError()
      if (error instanceof CrossOriginRedirectError || error instanceof ArgoCdResponseError)
        throw error
      throw this.transportFailure(error, connect.timedOut())
    }
    // The connect timeout covers only the wait for headers: a healthy watch may stay quiet for minutes.
    connect.keepOpenWithoutTimeout()
    try {
      if (!response.ok) {
        const detail = errorDetail(
          await readLimited(response, maxErrorBodyBytes, true).catch(() => ''),
        )
        throw this.streamStatusFailure(name, response.status, detail)
      }
      const contentType = response.headers.get('content-type') ?? ''
      const expected = format === 'sse' ? 'text/event-stream' : 'application/json'
      if (!contentType.includes(expected)) {
        throw new StreamUnavailableError(
          `the watch endpoint answered with '${contentType || 'no content type'}' instead of ${expected}`,
        )
      }
      if (!response.body) throw new StreamUnavailableError('the watch endpoint sent no body')
      for await (const message of decodeMessages(
        response.body as unknown as AsyncIterable<Uint8Array>,
        format,
        maxAnswerBytes,
      )) {
        yield this.watchEvent(name, message)
      }
    } catch (error) {
      if (signal.aborted) throw new RequestAbortedError()
      throw error
    } finally {
      connect.dispose()
    }
  }

  private watchEvent(name: string, message: string): ApplicationWatchEvent {
    let parsed: { result?: ApplicationWatchEvent; error?: { http_code?: number; message?: string } }
    try {
      parsed = JSON.parse(message)
    } catch {
      throw new ArgoCdResponseError(
        `the watch stream sent a message that is not JSON: ${clip(message)}`,
      )
    }
    if (parsed.error) {
      const status = parsed.error.http_code ?? 500
      throw this.streamStatusFailure(name, status, parsed.error.message ?? '')
    }
    if (!parsed.result || typeof parsed.result !== 'object') {
      throw new ArgoCdResponseError(
        `the watch stream sent a message without a result: ${clip(message)}`,
      )
    }
    return parsed.result
  }

  private streamStatusFailure(name: string, status: number, detail: string): Error {
    if (status === 401 || status === 403) return new ArgoCdAuthError(status, detail)
    if (status === 404 || status === 405 || status === 501) {
      return new StreamUnavailableError(
        `the watch endpoint answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
      )
    }
    if (status >= 500 || status === 429) {
      return new ArgoCdUnavailableError(
        `the watch endpoint answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
      )
    }
    return new StreamUnavailableError(
      `the watch endpoint for '${name}' answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
    )
  }

  private async request(
    app: string,
    method: 'GET' | 'POST',
    path: string,
    query: URLSearchParams,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const { retry, logger, clock } = this.options
    const url = this.url(path, query)
    const what = `${method} ${path}`
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(app, method, url, what, body, signal)
      if (!(outcome instanceof RetryableFailure)) return outcome.value
      this.lastFailure = `${what}: ${outcome.reason}`
      if (attempt >= retry.maxAttempts) {
        throw new ArgoCdUnavailableError(`${what} failed ${attempt} times; last: ${outcome.reason}`)
      }
      const delay = retryDelayMs(retry, attempt, outcome.retryAfter)
      logger.warning(
        `${what}: ${outcome.reason}; retrying in ${delay} ms (attempt ${attempt + 1} of ${retry.maxAttempts})`,
      )
      await clock.sleep(delay, signal)
      if (signal?.aborted) throw new RequestAbortedError()
    }
  }

  private async attempt(
    app: string,
    method: string,
    url: string,
    what: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ value: unknown } | RetryableFailure> {
    const timeout = linkedTimeout(signal, this.options.requestTimeoutMs)
    try {
      const response = await this.fetchSameOrigin(
        url,
        {
          method,
          headers: {
            ...this.headers('application/json'),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: timeout.signal,
        },
        what,
      )
      let text: string
      try {
        text = await readLimited(
          response,
          response.ok ? maxAnswerBytes : maxErrorBodyBytes,
          !response.ok,
        )
      } catch (error) {
        if (!(error instanceof AnswerTooLarge)) throw error
        throw new ArgoCdResponseError(
          `${what} answered with more than ${maxAnswerBytes / 1024 / 1024} MiB; not reading it (is --server an Argo CD API server?)`,
        )
      }
      if (response.ok) {
        try {
          return { value: JSON.parse(text) }
        } catch {
          return new RetryableFailure(`the answer is not JSON: ${clip(text)}`)
        }
      }
      const detail = errorDetail(text)
      if (response.status === 401 || response.status === 403) {
        throw new ArgoCdAuthError(response.status, detail)
      }
      if (response.status === 404) throw new ApplicationNotFoundError(app, detail)
      if (response.status >= 500 || response.status === 429) {
        return new RetryableFailure(
          `HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
          response.headers.get('retry-after'),
        )
      }
      throw new ArgoCdResponseError(
        `${what} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
      )
    } catch (error) {
      if (signal?.aborted) throw new RequestAbortedError()
      if (
        error instanceof ArgoCdAuthError ||
        error instanceof ApplicationNotFoundError ||
        error instanceof ArgoCdResponseError ||
        error instanceof CrossOriginRedirectError
      ) {
        throw error
      }
      const failure = this.transportFailure(error, timeout.timedOut())
      if (failure instanceof ArgoCdUnavailableError) return new RetryableFailure(failure.message)
      throw failure
    } finally {
      timeout.dispose()
    }
  }

  /** A fetch that threw: a timeout or network error (retryable) or a TLS problem (not). */
  private transportFailure(error: unknown, timedOut: boolean): Error {
    if (timedOut) {
      return new ArgoCdUnavailableError(`no answer within ${this.options.requestTimeoutMs} ms`)
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const code = cause?.code
    if (code && tlsErrorCodes.has(code)) {
      return new ArgoCdResponseError(
        `TLS verification of ${this.options.server} failed (${code}): pass the server's CA bundle with --ca-file, or --insecure to skip verification`,
      )
    }
    if (isBlockedPortError(error)) {
      return new ArgoCdUnavailableError(
        `cannot reach ${this.options.server}: ${blockedPortMessage(this.options.server)}`,
      )
    }
    const reason = cause?.message ?? (error instanceof Error ? error.message : String(error))
    return new ArgoCdUnavailableError(`cannot reach ${this.options.server}: ${reason}`)
  }

  private headers(accept: string): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}`, accept }
  }

  private scope(projectParameter: 'project' | 'projects'): URLSearchParams {
    const query = new URLSearchParams()
    if (this.options.appNamespace) query.set('appNamespace', this.options.appNamespace)
    if (this.options.project) query.set(projectParameter, this.options.project)
    return query
  }

  private url(path: string, query: URLSearchParams): string {
    const search = query.toString()
    return `${this.options.server}${path}${search ? `?${search}` : ''}`
  }
}

/** Argo CD's error bodies are `runtimeError` objects: `{"error", "code", "message"}`. */
function errorDetail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown }
    const message = parsed.message ?? parsed.error
    if (typeof message === 'string') return clip(message)
  } catch {
    // Not JSON: a proxy's page. Its first line is still the best hint.
  }
  return clip(text)
}

/** A server's words in a message: one short line, secrets and URL credentials masked. */
function clip(text: string): string {
  return serverExcerpt(text, 160)
}

interface LinkedTimeout {
  signal: AbortSignal
  timedOut(): boolean
  keepOpenWithoutTimeout(): void
  dispose(): void
}

/** An abort signal that fires when `parent` aborts or after `milliseconds`, whichever comes first. */
function linkedTimeout(parent: AbortSignal | undefined, milliseconds: number): LinkedTimeout {
  const controller = new AbortController()
  let expired = false
  const onAbort = () => controller.abort(parent?.reason)
  parent?.addEventListener('abort', onAbort, { once: true })
  if (parent?.aborted) controller.abort(parent.reason)
  let timer: NodeJS.Timeout | undefined = setTimeout(() => {
    expired = true
    controller.abort(new Error(`timed out after ${milliseconds} ms`))
  }, milliseconds)
  return {
    signal: controller.signal,
    timedOut: () => expired,
    keepOpenWithoutTimeout() {
      clearTimeout(timer)
      timer = undefined
    },
    // Aborting after the body was read is a no-op; for a stream left mid-body it frees the socket.
    dispose() {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onAbort)
      controller.abort()
    },
  }
}
