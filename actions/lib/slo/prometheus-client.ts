/** The subset of `fetch` the client uses: Node's in the CLI and action. */
export type FetchPort = (url: string, init: RequestInit) => Promise<Response>

/** Prometheus could not be asked: unreachable, timed out, refused the credentials, or answered garbage. */
export class PrometheusUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PrometheusUnavailableError'
  }
}

/** Prometheus answered but refused the query (bad PromQL): the spec needs fixing. */
export class PrometheusQueryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PrometheusQueryError'
  }
}

export interface PrometheusTarget {
  /** Base URL (any path prefix kept), with no credentials in it. */
  baseUrl: string
  /** Authorization header value, when the server needs one. */
  authorization?: string
}

/** One sample of an instant vector. */
export interface VectorSample {
  labels: Record<string, string>
  value: number
}

export interface PrometheusClientOptions {
  fetch?: FetchPort
  requestTimeoutMs?: number
  /** Responses larger than this are refused instead of read into memory. */
  maxResponseBytes?: number
}

export const defaultRequestTimeoutMs = 10_000
export const defaultMaxResponseBytes = 4 * 1024 * 1024

/**
 * A URL as given by a user, split into a base URL without userinfo and the Basic credentials the
 * userinfo carried (so they reach the server but never a message), or a Bearer token.
 */
export function prometheusTarget(url: string, token?: string): PrometheusTarget {
  let parsed: URL
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`)
  } catch {
    throw new TypeError('is not a URL, e.g. http://prometheus.monitoring:9090')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`uses ${parsed.protocol.replace(':', '')}: expected http or https`)
  }
  let authorization: string | undefined
  if (parsed.username !== '' || parsed.password !== '') {
    const user = decodeURIComponent(parsed.username)
    const password = decodeURIComponent(parsed.password)
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    parsed.username = ''
    parsed.password = ''
  }
  if (token !== undefined && token !== '') authorization = `Bearer ${token}`
  parsed.search = ''
  parsed.hash = ''
  return { baseUrl: parsed.toString().replace(/\/+$/, ''), authorization }
}

/** Reads at most `limit` bytes of a body; a larger body is an error, not unbounded memory. */
async function boundedText(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) {
    await response.body?.cancel().catch(() => {})
    throw new PrometheusUnavailableError(`the response is larger than ${limit} bytes`)
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new PrometheusUnavailableError(`the response is larger than ${limit} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

/** Instant queries against the Prometheus HTTP API (`GET /api/v1/query`). */
export class PrometheusClient {
  private readonly fetch: FetchPort
  private readonly requestTimeoutMs: number
  private readonly maxResponseBytes: number

  constructor(
    private readonly target: PrometheusTarget,
    options: PrometheusClientOptions = {},
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init))
    this.requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs
    this.maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  }

  /** Evaluates `query` now; a scalar result comes back as one sample without labels. */
  async query(query: string): Promise<VectorSample[]> {
    const url = `${this.target.baseUrl}/api/v1/query?${new URLSearchParams({ query })}`
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.target.authorization) headers.authorization = this.target.authorization
    let response: Response
    let text: string
    try {
      response = await this.fetch(url, {
        method: 'GET',
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      })
      text = await boundedText(response, this.maxResponseBytes)
    } catch (error) {
      if (error instanceof PrometheusUnavailableError) throw error
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      const name = (error as Error).name
      const reason =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${this.requestTimeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message)
      throw new PrometheusUnavailableError(
        `cannot reach Prometheus at ${this.target.baseUrl}: ${reason}`,
      )
    }
    if (response.status === 401 || response.status === 403) {
      throw new PrometheusUnavailableError(
        `Prometheus at ${this.target.baseUrl} refused the credentials (HTTP ${response.status}): check --token`,
      )
    }
    let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } }
    try {
      body = JSON.parse(text)
    } catch {
      throw new PrometheusUnavailableError(
        `${this.target.baseUrl} answered HTTP ${response.status} with something that is not the Prometheus API: ${clip(text)}`,
      )
    }
    if (body.status !== 'success') {
      const message = `Prometheus refused the query (HTTP ${response.status}): ${clip(body.error ?? 'no error message')}`
      if (response.status === 400 || response.status === 422)
        throw new PrometheusQueryError(message)
      throw new PrometheusUnavailableError(message)
    }
    return samplesOf(body.data?.resultType, body.data?.result)
  }
}

function numberOf(sample: unknown): number {
  // Prometheus sends values as strings: "0.01", "NaN", "+Inf".
  const text = Array.isArray(sample) ? String(sample[1]) : ''
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(text)
}

function samplesOf(resultType: string | undefined, result: unknown): VectorSample[] {
  if (resultType === 'scalar') return [{ labels: {}, value: numberOf(result) }]
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new PrometheusQueryError(
      `the query returned a ${resultType ?? 'malformed'} result: an SLI must return an instant vector`,
    )
  }
  return result.map((entry: { metric?: Record<string, string>; value?: unknown }) => ({
    labels: entry.metric ?? {},
    value: numberOf(entry.value),
  }))
}
