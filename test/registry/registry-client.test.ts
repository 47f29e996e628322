import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { parseChallenge, RegistryClient } from '../../actions/lib/registry/registry-client'
import { RegistryAuthError, RegistryError } from '../../actions/lib/registry/registry-errors'

describe('WWW-Authenticate challenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    ],
    ['Basic realm="Registry Realm"', { scheme: 'basic', params: { realm: 'Registry Realm' } }],
    [
      'Bearer realm="https://ghcr.io/token", service="ghcr.io"',
      { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io' } },
    ],
  ])('parses %s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected)
  })
})

/**
 * A registry and token service following the distribution token spec
 * (docs/spec/auth/token.md): 401 with a Bearer challenge, a token endpoint that
 * takes Basic credentials (GET) or an OAuth2 refresh token (POST), and the
 * registry accepting only the token it issued.
 */
let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
})

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function tokenRegistry(): Promise<{ host: string; tokenRequests: string[] }> {
  const tokenRequests: string[] = []
  const issued = 'issued-token-123'
  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const host = request.headers.host
    if (url.pathname === '/token') {
      const form = request.method === 'POST' ? new URLSearchParams(await body(request)) : undefined
      tokenRequests.push(
        `${request.method} service=${form?.get('service') ?? url.searchParams.get('service')} scope=${form?.get('scope') ?? url.searchParams.get('scope')}`,
      )
      const basicOk =
        request.headers.authorization === `Basic ${Buffer.from('robot:s3cret').toString('base64')}`
      const refreshOk =
        form?.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'refresh-xyz'
      if (!basicOk && !refreshOk) {
        response.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}')
        return
      }
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(form ? { access_token: issued } : { token: issued }))
      return
    }
    if (request.headers.authorization !== `Bearer ${issued}`) {
      response.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry",scope="repository:team/app:pull"`,
      })
      response.end()
      return
    }
    if (url.pathname === '/v2/team/app/manifests/v1') {
      response.writeHead(200, { 'docker-content-digest': `sha256:${'a'.repeat(64)}` }).end()
      return
    }
    response.writeHead(url.pathname === '/v2/' ? 200 : 404).end()
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { host: `127.0.0.1:${(server!.address() as { port: number }).port}`, tokenRequests }
}

describe('registry client with Bearer token authentication', () => {
  it('fetches a token from the realm with Basic credentials, for the challenged service and scope', async () => {
    const { host, tokenRequests } = await tokenRegistry()
    const client = new RegistryClient(
      host,
      { username: 'robot', password: 's3cret', source: 'test' },
      { tlsVerify: false },
    )
    expect(await client.manifestDigest('team/app', 'v1')).toBe(`sha256:${'a'.repeat(64)}`)
    expect(tokenRequests).toEqual(['GET service=test-registry scope=repository:team/app:pull'])
  })

  it('exchanges an identity token with the OAuth2 refresh-token grant', async () => {
    const { host, tokenRequests } = await tokenRegistry()
    const client = new RegistryClient(
      host,
      { identityToken: 'refresh-xyz', source: 'test' },
      { tlsVerify: false },
    )
    expect(await client.manifestDigest('team/app', 'missing')).toBeUndefined()
    expect(tokenRequests).toEqual(['POST service=test-registry scope=repository:team/app:pull'])
  })

  it('says which registry wants credentials when none are given, and never leaks a refused password', async () => {
    const { host } = await tokenRegistry()
    const anonymous = new RegistryClient(host, undefined, { tlsVerify: false })
    await expect(anonymous.checkAccess('team/app')).rejects.toThrow(
      new RegExp(`registry ${host} requires credentials and none were found: log in with`),
    )
    const wrong = new RegistryClient(
      host,
      { username: 'robot', password: 'not-the-password', source: '~/.docker/config.json' },
      { tlsVerify: false },
    )
    const error = await wrong.checkAccess('team/app').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RegistryAuthError)
    expect((error as Error).message).toMatch(
      /refused the credentials from ~\/\.docker\/config\.json/,
    )
    expect((error as Error).message).not.toContain('not-the-password')
  })
})

/**
 * A registry with Basic auth whose blob downloads redirect elsewhere, as registries backed by
 * object storage do, and a second server standing for that storage.
 */
async function redirectingRegistry(blob: Buffer, redirectTo: 'same' | 'other') {
  const seen: { path: string; authorization?: string }[] = []
  const storage = createServer((request, response) => {
    seen.push({ path: `storage${request.url}`, authorization: request.headers.authorization })
    response.writeHead(200, { 'content-length': String(blob.length) }).end(blob)
  })
  await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve))
  const storageHost = `127.0.0.1:${(storage.address() as { port: number }).port}`
  server = createServer((request, response) => {
    const url = request.url ?? '/'
    seen.push({ path: url, authorization: request.headers.authorization })
    if (
      request.headers.authorization !== `Basic ${Buffer.from('robot:s3cret').toString('base64')}`
    ) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end()
      return
    }
    if (url.startsWith('/v2/team/app/blobs/')) {
      response.writeHead(307, {
        location: redirectTo === 'same' ? '/stored/blob' : `http://${storageHost}/blob?sig=x`,
      })
      response.end()
      return
    }
    if (url === '/stored/blob') {
      response.writeHead(200).end(blob)
      return
    }
    response.writeHead(url === '/v2/' ? 200 : 404).end()
  })
  const registryServer = server
  server.on('close', () => storage.close())
  await new Promise<void>((resolve) => registryServer.listen(0, '127.0.0.1', resolve))
  return { host: `127.0.0.1:${(server.address() as { port: number }).port}`, seen }
}

describe('registry client reading blobs', () => {
  const credential = { username: 'robot', password: 's3cret', source: 'test' }
  const blob = Buffer.from('{"a":"signature bundle"}')
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`

  it('follows a redirect to storage without sending the registry credential there', async () => {
    const { host, seen } = await redirectingRegistry(blob, 'other')
    const client = new RegistryClient(host, credential, { tlsVerify: false })
    expect(await client.getBlob('team/app', digest)).toEqual(blob)
    const storage = seen.find((entry) => entry.path.startsWith('storage'))
    expect(storage).toEqual({ path: 'storage/blob?sig=x', authorization: undefined })
  })

  it('keeps the credential on a redirect within the registry', async () => {
    const { host, seen } = await redirectingRegistry(blob, 'same')
    const client = new RegistryClient(host, credential, { tlsVerify: false })
    expect(await client.getBlob('team/app', digest)).toEqual(blob)
    expect(seen.find((entry) => entry.path === '/stored/blob')?.authorization).toMatch(/^Basic /)
  })

  it('refuses a blob that does not match its digest, and one larger than the bound', async () => {
    const { host } = await redirectingRegistry(blob, 'same')
    const client = new RegistryClient(host, credential, { tlsVerify: false })
    const other = `sha256:${'0'.repeat(64)}`
    await expect(client.getBlob('team/app', other)).rejects.toThrow(
      new RegExp(`blob team/app@${other} does not match its digest`),
    )
    const error = await client.getBlob('team/app', digest, 8).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RegistryError)
    expect((error as Error).message).toMatch(/of 24 bytes is larger than 8/)
  })
})
