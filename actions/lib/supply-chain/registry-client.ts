import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { Agent, fetch as undiciFetch } from 'undici'
import { acceptedImageManifests } from './media-types'

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

export interface StoredManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}

export interface RegistryCredentials {
  username: string
  password: string
}

export interface RegistryClientOptions {
  /** false: plain http, or https without certificate verification (a loopback or test registry). */
  tlsVerify: boolean
  credentials?: RegistryCredentials
}

/** The registry answered in a way that stops the operation; the message is safe to print. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST'

interface RegistryResponse {
  status: number
  headers: Headers
  body: Buffer
}

/**
 * The part of the OCI distribution API that storing and finding signatures needs: blobs,
 * manifests and the referrers API. Token (Bearer) and Basic auth are answered from the
 * credentials given; nothing the registry sends back is echoed into errors beyond its
 * status and error code, so a token can never reach a log.
 */
export class RegistryClient {
  readonly #dispatcher: Agent | undefined
  #base: string | undefined
  #token: string | undefined

  constructor(
    readonly host: string,
    private readonly options: RegistryClientOptions,
  ) {
    this.#dispatcher = options.tlsVerify
      ? undefined
      : new Agent({ connect: { rejectUnauthorized: false } })
  }

  /** The manifest stored under a tag or digest, or undefined when there is none. */
  async getManifest(
    repository: string,
    reference: string,
    accept: readonly string[] = acceptedImageManifests,
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
    const mediaType =
      (JSON.parse(response.body.toString('utf8')) as { mediaType?: string }).mediaType ??
      response.headers.get('content-type') ??
      ''
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

  async getBlob(repository: string, digest: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
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

  /** Uploads a blob unless the registry has it already; returns its descriptor. */
  async putBlob(repository: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256Digest(bytes)
    const scope = `repository:${repository}:pull,push`
    const head = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, { scope })
    if (head.status !== 200) {
      const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`, { scope })
      this.expect(start, [202], `starting an upload to ${repository}`)
      const location = start.headers.get('location')
      if (!location) throw new RegistryError(`registry gave no upload location for ${repository}`)
      const url = new URL(location, await this.baseUrl())
      url.searchParams.set('digest', digest)
      const put = await this.request('PUT', url.pathname + url.search, {
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
    const response = await this.request('GET', `/v2/${repository}/referrers/${digest}`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      scope: `repository:${repository}:pull`,
    })
    const type = response.headers.get('content-type') ?? ''
    if (response.status !== 200 || !type.includes('application/vnd.oci.image.index.v1+json')) {
      return undefined
    }
    return JSON.parse(response.body.toString('utf8')) as ImageIndex
  }

  private async baseUrl(): Promise<string> {
    if (this.#base) return this.#base
    const candidates = this.options.tlsVerify
      ? [`https://${this.host}`]
      : [`https://${this.host}`, `http://${this.host}`]
    let lastError: unknown
    for (const candidate of candidates) {
      try {
        await this.send('GET', `${candidate}/v2/`, {})
        this.#base = candidate
        return candidate
      } catch (error) {
        lastError = error
      }
    }
    throw new RegistryError(
      `cannot reach registry ${this.host}: ${describeNetworkError(lastError)}${
        this.options.tlsVerify ? ' (a plain-http registry needs --tls-verify false)' : ''
      }`,
    )
  }

  private async send(
    method: HttpMethod,
    url: string,
    init: { headers?: Record<string, string>; body?: Buffer; maxBytes?: number },
  ): Promise<RegistryResponse> {
    const response = await undiciFetch(url, {
      method,
      headers: init.headers,
      body: init.body,
      redirect: 'follow',
      dispatcher: this.#dispatcher,
      signal: AbortSignal.timeout(60_000),
    })
    const length = Number(response.headers.get('content-length') ?? 0)
    const maxBytes = init.maxBytes ?? 16 * 1024 * 1024
    if (length > maxBytes) {
      await response.body?.cancel()
      throw new RegistryError(`registry answer of ${length} bytes is larger than ${maxBytes}`)
    }
    const body = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await response.arrayBuffer())
    if (body.length > maxBytes) {
      throw new RegistryError(`registry answer of ${body.length} bytes is larger than ${maxBytes}`)
    }
    return { status: response.status, headers: response.headers as unknown as Headers, body }
  }

  private async request(
    method: HttpMethod,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer; scope: string; maxBytes?: number },
  ): Promise<RegistryResponse> {
    const base = await this.baseUrl()
    const attempt = () =>
      this.send(method, `${base}${path}`, {
        ...init,
        headers: { ...init.headers, ...this.authorization() },
      })
    let response = await attempt().catch((error: unknown) => {
      throw new RegistryError(`cannot reach registry ${this.host}: ${describeNetworkError(error)}`)
    })
    if (response.status === 401) {
      await this.authenticate(response.headers.get('www-authenticate') ?? '', init.scope)
      response = await attempt()
    }
    return response
  }

  private authorization(): Record<string, string> {
    if (this.#token) return { authorization: `Bearer ${this.#token}` }
    const credentials = this.options.credentials
    if (credentials) {
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString(
        'base64',
      )
      return { authorization: `Basic ${basic}` }
    }
    return {}
  }

  /** Answers a Bearer challenge (distribution token auth), as docker and cosign do. */
  private async authenticate(challenge: string, scope: string): Promise<void> {
    const bearer = /^Bearer\s+(.*)$/i.exec(challenge)
    if (!bearer) {
      if (!this.options.credentials) {
        throw new RegistryError(
          `registry ${this.host} requires credentials: log in (docker login) or set REGISTRY_USERNAME and REGISTRY_PASSWORD`,
          401,
        )
      }
      throw new RegistryError(`registry ${this.host} refused the credentials given`, 401)
    }
    const params = Object.fromEntries(
      [...bearer[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]),
    )
    if (!params.realm)
      throw new RegistryError(`registry ${this.host} sent a challenge without realm`)
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', scope)
    const headers: Record<string, string> = {}
    const credentials = this.options.credentials
    if (credentials) {
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    }
    const response = await this.send('GET', url.toString(), { headers })
    if (response.status !== 200) {
      throw new RegistryError(
        `registry ${this.host} refused a token for ${scope} (HTTP ${response.status}); check the credentials`,
        response.status,
      )
    }
    const answer = JSON.parse(response.body.toString('utf8')) as {
      token?: string
      access_token?: string
    }
    this.#token = answer.token ?? answer.access_token
    if (!this.#token) throw new RegistryError(`registry ${this.host} sent no token`)
  }

  private expect(response: RegistryResponse, ok: number[], what: string): void {
    if (ok.includes(response.status)) return
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

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}

/**
 * Registry credentials for a host: REGISTRY_USERNAME and REGISTRY_PASSWORD, else the login
 * that `docker login` (or docker/login-action) left in $DOCKER_CONFIG/config.json, or that
 * `podman login` / skopeo left in $REGISTRY_AUTH_FILE. Credential helpers are not run.
 */
export function credentialsFromEnv(
  env: NodeJS.ProcessEnv,
  host?: string,
): RegistryCredentials | undefined {
  const username = env.REGISTRY_USERNAME
  const password = env.REGISTRY_PASSWORD
  if (username && password) return { username, password }
  if (!host) return undefined
  const files = [
    env.REGISTRY_AUTH_FILE,
    join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json'),
  ].filter((file): file is string => !!file)
  const names =
    host === 'registry-1.docker.io' ? [host, 'docker.io', 'https://index.docker.io/v1/'] : [host]
  for (const file of files) {
    let auths: Record<string, { auth?: string }> | undefined
    try {
      auths = (JSON.parse(readFileSync(file, 'utf8')) as { auths?: typeof auths }).auths
    } catch {
      continue
    }
    for (const name of names) {
      const encoded = auths?.[name]?.auth
      if (!encoded) continue
      const decoded = Buffer.from(encoded, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon > 0)
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
    }
  }
  return undefined
}
