import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Serves bare repositories over smart HTTP on loopback through git's own CGI
 * program, `git http-backend`, and — like GitHub — demands HTTP basic auth
 * with a token as the password.
 */
export class GitHttpServer {
  private server?: Server
  readonly authorizations: (string | undefined)[] = []
  url = ''

  constructor(
    private readonly projectRoot: string,
    private readonly token: string,
  ) {}

  async start(): Promise<void> {
    const expected = `Basic ${Buffer.from(`x-access-token:${this.token}`).toString('base64')}`
    this.server = createServer((request, response) => {
      const authorization = request.headers.authorization
      this.authorizations.push(authorization)
      if (authorization?.toLowerCase() !== expected.toLowerCase()) {
        response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' })
        response.end('authentication required\n')
        return
      }
      const url = new URL(request.url ?? '/', 'http://localhost')
      const child = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH,
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_PROJECT_ROOT: this.projectRoot,
          GIT_HTTP_EXPORT_ALL: '1',
          // http-backend enables receive-pack (push) only for an authenticated user.
          REMOTE_USER: 'x-access-token',
          REQUEST_METHOD: request.method,
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: request.headers['content-type'] ?? '',
          HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
          GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
        },
      })
      request.pipe(child.stdin)
      let head = Buffer.alloc(0)
      let headersDone = false
      child.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) {
          response.write(chunk)
          return
        }
        head = Buffer.concat([head, chunk])
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) return
        headersDone = true
        let status = 200
        const headers: Record<string, string> = {}
        for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
          const colon = line.indexOf(':')
          const name = line.slice(0, colon).trim()
          const value = line.slice(colon + 1).trim()
          if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
          else headers[name] = value
        }
        response.writeHead(status, headers)
        response.write(head.subarray(end + 4))
      })
      child.on('close', () => response.end())
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }
}
