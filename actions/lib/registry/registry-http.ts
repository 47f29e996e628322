import { RegistryError } from './registry-errors'

/** One HTTP exchange with a registry or its token service. */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT'
  url: string
  headers: Record<string, string>
  body?: string | Buffer
  /** Verify the server's TLS certificate (https only). */
  tlsVerify: boolean
  /** The largest body read; a larger answer is refused (default 16 MiB). */
  maxBytes?: number
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

/** Manifests, referrer indexes and signature bundles are small; an image layer is never read. */
export const defaultMaxBytes = 16 * 1024 * 1024

/**
 * node:http(s) with an idle timeout and a cap on the body read, so a bad server can neither
 * hang a run nor fill its memory. Loaded on first use: commands that never reach a registry
 * do not pay for TLS at start-up.
 */
export const nodeHttpClient: HttpClient = {
  async send(request) {
    const isHttps = request.url.startsWith('https:')
    const transport = isHttps ? await import('node:https') : await import('node:http')
    const maxBytes = request.maxBytes ?? defaultMaxBytes
    const host = new URL(request.url).host
    const tooLarge = (size: number) =>
      new RegistryError(`answer from ${host} of ${size} bytes is larger than ${maxBytes}`)
    return new Promise((resolve, reject) => {
      const headers = { ...request.headers }
      // An explicit length, 0 for an empty POST or PUT: some registries refuse chunked uploads.
      if (request.body !== undefined)
        headers['content-length'] = String(Buffer.byteLength(request.body))
      else if (request.method === 'POST' || request.method === 'PUT')
        headers['content-length'] = '0'
      const outgoing = transport.request(
        request.url,
        {
          method: request.method,
          headers,
          timeout: 30_000,
          ...(isHttps ? { rejectUnauthorized: request.tlsVerify } : {}),
        },
        (response) => {
          const declared = Number(response.headers['content-length'] ?? 0)
          if (request.method !== 'HEAD' && declared > maxBytes) {
            response.destroy()
            reject(tooLarge(declared))
            return
          }
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > maxBytes) {
              response.destroy()
              reject(tooLarge(size))
              return
            }
            chunks.push(chunk)
          })
          response.on('error', reject)
          response.on('end', () => {
            const received: Record<string, string | undefined> = {}
            for (const [key, value] of Object.entries(response.headers)) {
              received[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
            }
            resolve({
              status: response.statusCode ?? 0,
              headers: received,
              body: Buffer.concat(chunks),
            })
          })
        },
      )
      outgoing.on('timeout', () => outgoing.destroy(new Error('timed out after 30 s')))
      outgoing.on('error', reject)
      outgoing.end(request.body)
    })
  },
}
