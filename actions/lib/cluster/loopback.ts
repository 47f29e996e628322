import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { createConnection, createServer } from 'node:net'

/** A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('no TCP address for the probe listener'))
        return
      }
      server.close(() => resolve(address.port))
    })
  })
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.setTimeout(1000)
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.on('error', () => resolve(false))
  })
}

export interface LoopbackResponse {
  status: number
  body: string
}

export interface LoopbackRequest {
  method?: string
  body?: string
  headers?: Record<string, string>
  /** PEM contents for an https request to the API server with the admin client certificate. */
  tls?: { ca: string; cert: string; key: string }
  timeoutMs?: number
}

/** One HTTP(S) request to a loopback URL; network errors become status 0. */
export function loopbackRequest(
  url: string,
  options: LoopbackRequest = {},
): Promise<LoopbackResponse> {
  return new Promise((resolve) => {
    const target = new URL(url)
    if (target.hostname !== '127.0.0.1')
      throw new Error(`refusing a non-loopback address: ${target.host}`)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.body ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.tls ?? {}),
        timeout: options.timeoutMs ?? 5000,
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        response.on('error', () => resolve({ status: 0, body: '' }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (error) => resolve({ status: 0, body: error.message }))
    req.end(options.body)
  })
}
