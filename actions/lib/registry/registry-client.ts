import { createHash } from 'node:crypto'
import {
  type CredentialLookup,
  loginHint,
  type RegistryCredential,
  registryOf,
  resolveRegistryCredential,
} from './credentials'
import {
  RegistryAuthError,
  RegistryError,
  RegistryProtocolError,
  RegistryUnreachableError,
} from './registry-errors'
import {
  defaultMaxBytes,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  nodeHttpClient,
} from './registry-http'

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType: string
  manifests: Descriptor[]
}

/** Pages of a referrers listing followed, and referrers read, at most. */
const maxReferrerPages = 16
const maxReferrers = 1024

/** A manifest as the registry stored it: its exact bytes, which its digest is computed from. */
export interface StoredManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
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

// OpenSSL's answer when a TLS client hello reaches a server that speaks plain HTTP.
const plainHttpAnswer = /wrong version number|EPROTO|packet length too long|http_request/i

// Blob downloads are often redirected to object storage (S3, GCS, a CDN).
const redirectStatuses = new Set([301, 302, 303, 307, 308])
const maxRedirects = 5

function basic(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`
}

export interface RegistryClientOptions {
  /** false: HTTPS without certificate verification, then plain HTTP (a loopback or test registry). */
  tlsVerify: boolean
  http?: HttpClient
}

export const manifestMediaTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]

const ociIndexMediaType = 'application/vnd.oci.image.index.v1+json'

type Method = HttpRequest['method']

interface RegistryRequest {
  scope: string
  headers?: Record<string, string>
  body?: Buffer
  maxBytes?: number
}

/**
 * A client for the OCI distribution API of one registry: manifests, blobs and the OCI 1.1
 * referrers API, everything pushing, scanning, signing and verifying need. It authenticates
 * the way the distribution token spec describes: request, read the 401's WWW-Authenticate
 * challenge, answer Basic with the credential, or fetch a Bearer token from the realm
 * (service and scope as challenged) with the credential (or the identity token, as an
 * OAuth2 refresh token) and retry. Nothing the registry sends back reaches an error beyond
 * its status and error code, so a token or password can never reach a log.
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

  /** Docker Hub's API lives on registry-1.docker.io. */
  private get apiHost(): string {
    return this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry
  }

  /**
   * Sends to a path of the registry, settling which scheme it speaks on the first request.
   * With TLS verification on, HTTPS only (a plain-HTTP registry is a clear error); off, HTTPS
   * without verification and then plain HTTP, as containers/image does for an insecure
   * registry. Redirects of reads are followed, without the credential when they leave the
   * registry's origin.
   */
  private async send(
    method: Method,
    path: string,
    headers: Record<string, string>,
    init: { body?: Buffer; maxBytes?: number },
  ): Promise<HttpResponse> {
    const schemes: ('https' | 'http')[] = this.scheme
      ? [this.scheme]
      : this.options.tlsVerify
        ? ['https']
        : ['https', 'http']
    let last: unknown
    for (const scheme of schemes) {
      const url = new URL(path, `${scheme}://${this.apiHost}`).toString()
      try {
        const response = await this.http.send({
          method,
          url,
          headers,
          ...init,
          tlsVerify: this.options.tlsVerify,
        })
        this.scheme = scheme
        return await this.followRedirects(method, url, headers, response, init.maxBytes)
      } catch (error) {
        if (error instanceof RegistryError) throw error
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

  private async followRedirects(
    method: Method,
    from: string,
    headers: Record<string, string>,
    response: HttpResponse,
    maxBytes: number | undefined,
  ): Promise<HttpResponse> {
    let current = response
    let url = from
    for (let hop = 0; (method === 'GET' || method === 'HEAD') && hop <= maxRedirects; hop++) {
      const location = current.headers.location
      if (!redirectStatuses.has(current.status) || !location) return current
      if (hop === maxRedirects) {
        throw new RegistryError(
          `registry ${this.registry} redirected more than ${maxRedirects} times`,
        )
      }
      const next = new URL(location, url)
      const sameOrigin = next.origin === new URL(url).origin
      const { authorization: _dropped, ...withoutCredential } = headers
      url = next.toString()
      current = await this.http
        .send({
          method,
          url,
          headers: sameOrigin ? headers : withoutCredential,
          tlsVerify: this.options.tlsVerify,
          maxBytes,
        })
        .catch((error: unknown) => {
          if (error instanceof RegistryError) throw error
          throw new RegistryUnreachableError(
            `${next.host}, where registry ${this.registry} redirected, cannot be reached: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          )
        })
    }
    return current
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
        if (error instanceof RegistryError) throw error
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
        status,
      )
    }
    return new RegistryAuthError(
      `registry ${this.registry} refused the credentials from ${this.credential.source} (HTTP ${status}): check them, or ${loginHint(this.registry)}`,
      status,
    )
  }

  /**
   * Sends a request, answering the registry's challenge once. A token is kept for the next
   * requests; one whose scope is too narrow (pull, then push) is answered with a new challenge.
   */
  async request(method: Method, path: string, init: RegistryRequest): Promise<HttpResponse> {
    const headers = () =>
      this.authorization
        ? { ...init.headers, authorization: this.authorization }
        : { ...init.headers }
    const attempt = () =>
      this.send(method, path, headers(), { body: init.body, maxBytes: init.maxBytes })
    let response = await attempt()
    if (response.status !== 401) return response
    const challenge = parseChallenge(response.headers['www-authenticate'] ?? '')
    if (challenge?.scheme === 'basic') {
      if (!this.credential?.username || !this.credential.password) throw this.refused(401)
      this.authorization = basic(this.credential)
    } else if (challenge?.scheme === 'bearer') {
      this.authorization = `Bearer ${await this.token(challenge, challenge.params.scope ?? init.scope)}`
    } else {
      throw this.refused(401)
    }
    response = await attempt()
    if (response.status === 401) throw this.refused(401)
    return response
  }

  /**
   * Checks that the registry can be reached and accepts the credential for
   * `repository` (pull and push), before any bytes are sent.
   */
  async checkAccess(repository: string, actions = 'pull,push'): Promise<void> {
    const response = await this.request('GET', '/v2/', {
      scope: `repository:${repository}:${actions}`,
    })
    if (response.status === 403) throw this.refused(403)
  }

  /** The digest the registry serves for repository:reference, or undefined if it has none. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const response = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, {
      scope: `repository:${repository}:pull`,
      headers: { accept: manifestMediaTypes.join(', ') },
    })
    if (response.status === 404) return undefined
    if (response.status !== 200) {
      throw new RegistryUnreachableError(
        `registry ${this.registry} answered HTTP ${response.status} for ${repository}:${reference}`,
      )
    }
    return response.headers['docker-content-digest']
  }

  /**
   * The manifest stored under a tag or digest, or undefined when there is none. Asked by
   * digest, the bytes must hash to it: a registry cannot hand over other content.
   */
  async getManifest(
    repository: string,
    reference: string,
    accept: readonly string[] = manifestMediaTypes,
  ): Promise<StoredManifest | undefined> {
    const response = await this.request('GET', `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: accept.join(', ') },
      scope: `repository:${repository}:pull`,
    })
    if (response.status === 404) return undefined
    this.expect(response, [200], `reading manifest ${repository}:${reference}`)
    const digest = sha256Digest(response.body)
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(
        `registry returned content with digest ${digest} for ${repository}@${reference}`,
      )
    }
    let declared: string | undefined
    try {
      declared = (JSON.parse(response.body.toString('utf8')) as { mediaType?: string }).mediaType
    } catch {
      throw new RegistryError(`manifest ${repository}:${reference} is not JSON`)
    }
    const mediaType = declared ?? response.headers['content-type'] ?? ''
    return { bytes: response.body, mediaType, digest }
  }

  async putManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<string> {
    const response = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      headers: { 'content-type': mediaType },
      body: bytes,
      scope: `repository:${repository}:pull,push`,
    })
    this.expect(response, [201, 200], `storing manifest ${repository}:${reference}`)
    return sha256Digest(bytes)
  }

  /** A blob, checked against its digest; bounded, as only small blobs (bundles) are read. */
  async getBlob(repository: string, digest: string, maxBytes = defaultMaxBytes): Promise<Buffer> {
    const response = await this.request('GET', `/v2/${repository}/blobs/${digest}`, {
      scope: `repository:${repository}:pull`,
      maxBytes,
    })
    this.expect(response, [200], `reading blob ${repository}@${digest}`)
    if (sha256Digest(response.body) !== digest) {
      throw new RegistryError(`blob ${repository}@${digest} does not match its digest`)
    }
    return response.body
  }

  /** Uploads a blob (monolithic POST then PUT) unless the registry has it already. */
  async putBlob(repository: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256Digest(bytes)
    const scope = `repository:${repository}:pull,push`
    const head = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, { scope })
    if (head.status !== 200) {
      const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`, { scope })
      this.expect(start, [202], `starting an upload to ${repository}`)
      const location = start.headers.location
      if (!location) throw new RegistryError(`registry gave no upload location for ${repository}`)
      // The location may be relative, and may already carry query parameters (a session state).
      const upload = new URL(location, `${this.scheme}://${this.apiHost}`)
      upload.searchParams.set('digest', digest)
      const put = await this.request('PUT', upload.pathname + upload.search, {
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
        scope,
      })
      this.expect(put, [201], `uploading blob to ${repository}`)
    }
    return { mediaType, digest, size: bytes.length }
  }

  /**
   * The referrers of a digest through the OCI 1.1 referrers API, or undefined when the
   * registry does not implement it (distribution 2.x answers 404): the caller then reads
   * the fallback tag.
   */
  async referrersApi(repository: string, digest: string): Promise<ImageIndex | undefined> {
    let path = `/v2/${repository}/referrers/${digest}`
    let listing: ImageIndex | undefined
    // A registry may page a long listing (`Link: <…>; rel="next"`); pages are followed on
    // this registry only, and only so far, so a registry that never stops cannot hold us.
    for (let page = 0; page < maxReferrerPages; page++) {
      const response = await this.request('GET', path, {
        headers: { accept: ociIndexMediaType },
        scope: `repository:${repository}:pull`,
      })
      const type = response.headers['content-type'] ?? ''
      if (response.status !== 200 || !type.includes(ociIndexMediaType)) return listing
      let index: ImageIndex
      try {
        index = JSON.parse(response.body.toString('utf8')) as ImageIndex
      } catch {
        throw new RegistryError(`the referrers of ${repository}@${digest} are not JSON`)
      }
      const manifests = Array.isArray(index.manifests) ? index.manifests : []
      listing = listing
        ? { ...listing, manifests: [...listing.manifests, ...manifests] }
        : { ...index, manifests }
      const next = this.nextPage(response.headers.link)
      if (!next || listing.manifests.length >= maxReferrers) return listing
      path = next
    }
    return listing
  }

  /** The path of the next page a `Link` header names, when it stays on this registry. */
  private nextPage(link: string | string[] | undefined): string | undefined {
    const header = Array.isArray(link) ? link.join(', ') : (link ?? '')
    const target = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(header)?.[1]
    if (!target) return undefined
    const base = `${this.scheme ?? 'https'}://${this.apiHost}`
    const url = new URL(target, base)
    if (url.origin !== new URL(base).origin) return undefined
    return url.pathname + url.search
  }

  private expect(response: HttpResponse, ok: number[], what: string): void {
    if (ok.includes(response.status)) return
    if (response.status === 403) throw this.refused(403)
    let code = ''
    try {
      const parsed = JSON.parse(response.body.toString('utf8')) as { errors?: { code?: string }[] }
      code = parsed.errors?.map((error) => error.code).join(', ') ?? ''
    } catch {
      // not a distribution error document
    }
    throw new RegistryError(
      `${what} failed: HTTP ${response.status}${code ? ` ${code}` : ''}`,
      response.status,
    )
  }
}

/**
 * A client for the registry `repository` lives in, with the credential container tools would
 * use for it (see resolveRegistryCredential: flags, REGISTRY_USERNAME/REGISTRY_PASSWORD,
 * auth files and the credential helpers they name).
 */
export async function connectRegistry(
  repository: string,
  options: RegistryClientOptions,
  lookup: CredentialLookup,
): Promise<{ client: RegistryClient; credential?: RegistryCredential }> {
  const credential = await resolveRegistryCredential(repository, lookup)
  return { client: new RegistryClient(registryOf(repository), credential, options), credential }
}

/** The repository path inside its registry: `ghcr.io/org/app` → `org/app` (docker.io adds library/). */
export function repositoryPath(repository: string, registry: string): string {
  if (!repository.startsWith(`${registry}/`)) {
    const path = repository
    return registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path
  }
  return repository.slice(registry.length + 1)
}
