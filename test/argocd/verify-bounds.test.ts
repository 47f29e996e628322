import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Readable, Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { newRevision } from '../support/argocd-fixtures'
import { rolloutFrames, scenario } from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'

const token = 'bounds-test-token'
const servers: Server[] = []
let simulator: ArgoCdSimulator | undefined

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await simulator?.close()
  simulator = undefined
})

async function loopback(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

async function verify(server: string, ...flags: string[]) {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const started = Date.now()
  const code = await main(
    [
      'verify',
      '--server',
      server,
      '--app',
      'web',
      '--revision',
      newRevision,
      '--token',
      token,
      ...flags,
    ],
    {
      stdout: sink((text) => {
        stdout += text
      }),
      stderr: sink((text) => {
        stderr += text
      }),
      stdin: Readable.from([]),
      env: {},
      cwd: '/',
    },
  )
  return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 }
}

describe('verify --timeout bounds the whole command', () => {
  it('ends a run against a server that never answers within --timeout plus the diagnostics allowance', async () => {
    const hits: string[] = []
    const server = await loopback((request) => {
      hits.push(request.url ?? '')
      // Never answers.
    })
    const result = await verify(
      server,
      '--timeout',
      '2',
      '--request-timeout',
      '10',
      '--watch',
      'poll',
    )
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/not verified within 2 s/)
    // 2 s of verification, then at most 5 s to read the resource tree.
    expect(result.seconds).toBeLessThan(2 + 5 + 3)
    expect(hits.some((path) => path.includes('/resource-tree'))).toBe(true)
  })

  it('stops reading an answer larger than 64 MiB and says so', async () => {
    let written = 0
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    const server = await loopback((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('{"metadata": {"name": "web"}, "padding": "')
      // 100 MiB of JSON, written as fast as the client reads it.
      const pump = () => {
        while (written < 100 * 1024 * 1024) {
          written += chunk.length
          if (!response.write(chunk)) return void response.once('drain', pump)
        }
        response.end('"}')
      }
      pump()
    })
    const result = await verify(server, '--timeout', '30', '--watch', 'poll')
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/answered with more than 64 MiB; not reading it/)
    expect(result.seconds).toBeLessThan(30)
    // The client hung up after the limit instead of taking all 100 MiB (and the sockets'
    // buffers hold a few MiB at most).
    expect(written).toBeLessThan(90 * 1024 * 1024)
  })
})

describe('verify follows redirects only within the server', () => {
  it('refuses a redirect to another origin with exit 2 naming it, sending nothing there', async () => {
    const elsewhereHits: string[] = []
    const elsewhere = await loopback((request, response) => {
      elsewhereHits.push(`${request.url} ${request.headers.authorization ?? ''}`)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('{}')
    })
    const server = await loopback((request, response) => {
      response.writeHead(302, {
        location: `${elsewhere.replace('http://', 'http://user:redirect-secret@')}${request.url}`,
      })
      response.end()
    })
    const result = await verify(server, '--timeout', '20', '--watch', 'poll')
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /^golden-path verify: GET \/api\/v1\/applications\/web was redirected to another origin, http:\/\/\*\*\*@127\.0\.0\.1:\d+\/api\/v1\/applications\/web/m,
    )
    expect(result.stderr).not.toContain('redirect-secret')
    expect(elsewhereHits).toEqual([])
  })

  it('follows a redirect within the same origin and verifies', async () => {
    simulator = await ArgoCdSimulator.start({
      scenario: scenario('rollout', rolloutFrames(40)),
      token,
    })
    const upstream = simulator.url
    const server = await loopback(async (request, response) => {
      const url = request.url ?? '/'
      if (!url.startsWith('/argocd/')) {
        response.writeHead(307, { location: `/argocd${url}` })
        return void response.end()
      }
      const answer = await fetch(`${upstream}${url.slice('/argocd'.length)}`, {
        headers: { authorization: request.headers.authorization ?? '', accept: 'application/json' },
      })
      response.writeHead(answer.status, { 'content-type': 'application/json' })
      response.end(await answer.text())
    })
    const result = await verify(
      server,
      '--timeout',
      '30',
      '--watch',
      'poll',
      '--poll-interval',
      '0.05',
    )
    expect(result.stderr).not.toMatch(/redirected/)
    expect(result.code).toBe(0)
  })
})
