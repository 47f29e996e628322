import { loginHint, RegistryAuthError, type RegistryCredential } from './credentials'

/** One HTTP exchange; bodies are small (manifests, tokens, errors). */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
  /** Verify the server's TLS certificate (https only). */
  tlsVerify: boolean
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
}

/** The HTTP port: Node's http/https by default, a recorder in unit tests. */
export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>
}

const maxBody = 4 * 1024 * 1024

/** node:http(s) with a timeout and a cap on the body read, so a bad server cannot hang or flood. */
export const nodeHttpClient: HttpClient = {
  async send(request) {
    const isHttps = request.url.startsWith('https:')
    const transport = isHttps ? await import('node:https') : await import('node:http')
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(
        request.url,
        {
          method: request.method,
          headers: request.headers,
          timeout: 30_000,
          ...(isHttps ? { rejectUnauthorized: request.tlsVerify } : {}),
        },
        (response) => {
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > maxBody) {
              response.destroy(new Error(`response from ${new URL(request.url).host} is too large`))
              return
            }
            chunks.push(chunk)
          })
          response.on('error', reject)
          response.on('end', () => {
            const headers: Record<string, string | undefined> = {}
            for (const [key, value] of Object.entries(response.headers)) {
              headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
            }
            resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) })
          })
        },
      )
      outgoing.on('timeout', () => outgoing.destroy(new Error('timed out after 30 s')))
      outgoing.on('error', reject)
      outgoing.end(request.body)
    })
  },
}

/** A WWW-Authenticate challenge (RFC 7235), as the distribution token spec uses it. */
export interface AuthChallenge {
  scheme: string
  params: Record<string, string>
}

/** Parses `Bearer realm="...",service="...",scope="a,b"` (quoted values may contain commas). */
export function parseChallenge(header: string): AuthChallenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header)
  if (!match) return undefined
  const params: Record<string, string> = {}
  const pairs = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g
  for (const pair of match[2]!.matchAll(pairs)) {
    params[pair[1]!.toLowerCase()] = (pair[2] ?? pair[3] ?? '').replace(/\\(.)/g, '$1')
  }
  return { scheme: match[1]!.toLowerCase(), params }
}

/** The registry answered plain HTTP where HTTPS was expected (or the reverse). */
export class RegistryProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryProtocolError'
  }
}

/** The registry could not be reached at all (refused, reset, DNS, timeout). */
export class RegistryUnreachableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryUnreachableError'
  }
}

// OpenSSL's answer when a TLS client hello reaches a server that speaks plain HTTP.
const plainHttpAnswer = /wrong version number|EPROTO|packet length too long|http_request/i

function basic(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`
}

export interface RegistryClientOptions {
  tlsVerify: boolean
  http?: HttpClient
}

export const manifestMediaTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]

/**
 * A client for the OCI distribution API of one registry, authenticating the
 * way the distribution token spec describes: request, read the 401's
 * WWW-Authenticate challenge, answer Basic with the credential, or fetch a
 * Bearer token from the realm (service and scope as challenged) with the
 * credential (or the identity token, as an OAuth2 refresh token) and retry.
 */
export class RegistryClient {
  private readonly http: HttpClient
  private scheme: 'https' | 'http' | undefined
  private authorization: string | undefined

  constructor(
    readonly registry: string,
    private readonly credential: RegistryCredential | undefined,
    private readonly options: RegistryClientOptions,
  ) {
    this.http = options.http ?? nodeHttpClient
  }

  /**
   * Which scheme the registry speaks. With TLS verification on, HTTPS only (a
   * plain-HTTP registry is a clear error); off, HTTPS without verification and
   * then plain HTTP, as containers/image does for an insecure registry.
   */
  private async send(
    request: Omit<HttpRequest, 'url' | 'tlsVerify'> & { path: string },
  ): Promise<HttpResponse> {
    const schemes: ('https' | 'http')[] = this.scheme
      ? [this.scheme]
      : this.options.tlsVerify
        ? ['https']
        : ['https', 'http']
    let last: unknown
    for (const scheme of schemes) {
      try {
        const response = await this.http.send({
          method: request.method,
          headers: request.headers,
          body: request.body,
          // Docker Hub's API lives on registry-1.docker.io.
          url: `${scheme}://${this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry}${request.path}`,
          tlsVerify: this.options.tlsVerify,
        })
        this.scheme = scheme
        return response
      } catch (error) {
        last = error
      }
    }
    const message = last instanceof Error ? last.message : String(last)
    const code = (last as NodeJS.ErrnoException | undefined)?.code ?? ''
    if (this.options.tlsVerify && plainHttpAnswer.test(`${code} ${message}`)) {
      throw new RegistryProtocolError(
        `registry ${this.registry} answers plain HTTP, not HTTPS: serve it with TLS, or pass --tls-verify false (tls-verify: false) for a registry on a trusted network`,
      )
    }
    throw new RegistryUnreachableError(
      `registry ${this.registry} cannot be reached: ${code || message}`,
    )
  }

  private async token(challenge: AuthChallenge, scope: string): Promise<string> {
    const realm = challenge.params.realm
    if (!realm)
      throw new RegistryAuthError(
        `registry ${this.registry} sent a Bearer challenge without a realm`,
      )
    const url = new URL(realm)
    const service = challenge.params.service
    const credential = this.credential
    let response: HttpResponse
    const tokenRequest = async (request: HttpRequest) =>
      this.http.send(request).catch((error: unknown) => {
        throw new RegistryUnreachableError(
          `token service ${url.host} for ${this.registry} cannot be reached: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        )
      })
    if (credential?.identityToken) {
      // OAuth2 refresh-token grant (distribution docs: oauth.md).
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.identityToken,
        client_id: 'golden-path',
        scope,
        ...(service ? { service } : {}),
      })
      response = await tokenRequest({
        method: 'POST',
        url: url.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        tlsVerify: this.options.tlsVerify,
      })
    } else {
      if (service) url.searchParams.set('service', service)
      url.searchParams.set('scope', scope)
      response = await tokenRequest({
        method: 'GET',
        url: url.toString(),
        headers: credential?.username ? { authorization: basic(credential) } : {},
        tlsVerify: this.options.tlsVerify,
      })
    }
    if (response.status === 401 || response.status === 403) throw this.refused(response.status)
    if (response.status !== 200) {
      throw new RegistryUnreachableError(
        `token service ${url.host} for ${this.registry} answered HTTP ${response.status}`,
      )
    }
    let body: { token?: string; access_token?: string }
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body
    } catch {
      throw new RegistryAuthError(`token service ${url.host} answered something that is not JSON`)
    }
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryAuthError(`token service ${url.host} sent no token`)
    return token
  }

  private refused(status: number): RegistryAuthError {
    if (!this.credential) {
      return new RegistryAuthError(
        `registry ${this.registry} requires credentials and none were found: ${loginHint(this.registry)}`,
      )
    }
    return new RegistryAuthError(
      `registry ${this.registry} refused the credentials from ${this.credential.source} (HTTP ${status}): check them, or ${loginHint(this.registry)}`,
    )
  }

  /** Sends a request, answering the registry's challenge once. */
  async request(
    method: 'GET' | 'HEAD',
    path: string,
    scope: string,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const withAuth = () =>
      this.authorization ? { ...headers, authorization: this.authorization } : headers
    let response = await this.send({ method, path, headers: withAuth() })
    if (response.status !== 401) return response
    const challenge = parseChallenge(response.headers['www-authenticate'] ?? '')
    if (challenge?.scheme === 'basic') {
      if (!this.credential?.username || !this.credential.password) throw this.refused(401)
      this.authorization = basic(this.credential)
    } else if (challenge?.scheme === 'bearer') {
      this.authorization = `Bearer ${await this.token(challenge, challenge.params.scope ?? scope)}`
    } else {
      throw this.refused(401)
    }
    response = await this.send({ method, path, headers: withAuth() })
    if (response.status === 401) throw this.refused(401)
    return response
  }

  /**
   * Checks that the registry can be reached and accepts the credential for
   * `repository` (pull and push), before any bytes are sent.
   */
  async checkAccess(repository: string, actions = 'pull,push'): Promise<void> {
    const scope = `repository:${repository}:${actions}`
    const response = await this.request('GET', '/v2/', scope)
    if (response.status === 403) throw this.refused(403)
  }

  /** The digest the registry serves for repository:reference, or undefined if it has none. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.request(
      'HEAD',
      `/v2/${repository}/manifests/${reference}`,
      `repository:${repository}:pull`,
      { accept: manifestMediaTypes.join(', ') },
    )
    if (response.status === 404) return undefined
    if (response.status !== 200) {
      throw new RegistryUnreachableError(
        `registry ${this.registry} answered HTTP ${response.status} for ${repository}:${reference}`,
      )
    }
    return response.headers['docker-content-digest']
  }
}

/** The repository path inside its registry: `ghcr.io/org/app` → `org/app` (docker.io adds library/). */
export function repositoryPath(repository: string, registry: string): string {
  if (!repository.startsWith(`${registry}/`)) {
    const path = repository
    return registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path
  }
  return repository.slice(registry.length + 1)
}
