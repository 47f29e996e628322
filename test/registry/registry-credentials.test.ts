import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import { pushImage, RegistryPushError } from '../../actions/lib/registry/push-image'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { buildFixtureLayout } from '../support/oci-fixtures'
import { buildah, requireTools, skopeo } from '../support/required-tools'

const username = 'ci-bot'
const password = 'pw-Sx9!never-printed'

let root: string
let layout: string
let digest: string
let locked: LoopbackRegistry
let open: LoopbackRegistry

/** A home with nothing in it: no credentials unless a test writes them. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(root, 'home-'))
  return { PATH: process.env.PATH, HOME: home, ...extra }
}

function basicAuth(user = username, secret = password): string {
  return Buffer.from(`${user}:${secret}`).toString('base64')
}

function writeJson(path: string, value: unknown): string {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, JSON.stringify(value))
  return path
}

function served(reference: string, auth?: string): string {
  const args = ['inspect', '--raw', '--tls-verify=false']
  if (auth) args.push('--creds', auth)
  const raw = execFileSync('skopeo', [...args, `docker://${reference}`], { encoding: 'utf8' })
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`
}

function push(args: string[], env: NodeJS.ProcessEnv, stdin = '') {
  return runCli(
    ['push', '--oci', layout, '--tls-verify', 'false', '--attempts', '1', ...args],
    root,
    env,
    stdin,
  )
}

/**
 * A docker-credential-helpers program (the protocol: `get`, server URL on stdin,
 * JSON {ServerURL, Username, Secret} on stdout, exit 1 when it has nothing).
 */
function installHelper(name: string, server: string, user: string, secret: string): string {
  const bin = mkdtempSync(join(root, 'bin-'))
  const script = join(bin, `docker-credential-${name}`)
  writeFileSync(
    script,
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
if [ "$server" = "${server}" ]; then
  printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}\\n' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
`,
  )
  chmodSync(script, 0o755)
  return bin
}

beforeAll(async () => {
  requireTools(buildah, skopeo)
  root = mkdtempSync(join(tmpdir(), 'golden-path-credentials-'))
  layout = join(root, 'layout')
  buildFixtureLayout(
    {
      files: [{ path: 'app/hello.txt', content: 'hello\n' }],
      user: '65532:65532',
      entrypoint: ['/app/hello'],
    },
    layout,
  )
  digest = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest
  locked = await startLoopbackRegistry({ htpasswd: { username, password } })
  open = await startLoopbackRegistry()
}, 60_000)
afterAll(async () => {
  await locked?.stop()
  await open?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('push to a registry that demands credentials', () => {
  it('exits 1 with one line naming the registry and the ways to log in when none are found', async () => {
    const run = await push(['--image', `${locked.host}/team/app`, '--tag', 'none'], cleanEnv())
    expect(run.code).toBe(1)
    const lines = run.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      new RegExp(
        `registry ${locked.host.replace('.', '\\.')} requires credentials.*docker login ${locked.host}.*--password-stdin`,
      ),
    )
  })

  it.each([
    [
      'REGISTRY_AUTH_FILE (base64 auth)',
      (env: NodeJS.ProcessEnv) => {
        env.REGISTRY_AUTH_FILE = writeJson(join(env.HOME!, 'ra', 'auth.json'), {
          auths: { [locked.host]: { auth: basicAuth() } },
        })
      },
    ],
    [
      '$XDG_RUNTIME_DIR/containers/auth.json (podman login)',
      (env: NodeJS.ProcessEnv) => {
        env.XDG_RUNTIME_DIR = join(env.HOME!, 'run')
        writeJson(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), {
          auths: { [locked.host]: { auth: basicAuth() } },
        })
      },
    ],
    [
      '$DOCKER_CONFIG/config.json (username and password fields)',
      (env: NodeJS.ProcessEnv) => {
        env.DOCKER_CONFIG = join(env.HOME!, 'docker-config')
        writeJson(join(env.DOCKER_CONFIG, 'config.json'), {
          auths: { [`https://${locked.host}`]: { username, password } },
        })
      },
    ],
    [
      '~/.docker/config.json (docker login)',
      (env: NodeJS.ProcessEnv) => {
        writeJson(join(env.HOME!, '.docker', 'config.json'), {
          auths: { [locked.host]: { auth: basicAuth() } },
        })
      },
    ],
    [
      'a credHelpers entry (docker-credential-<name> get)',
      (env: NodeJS.ProcessEnv) => {
        const bin = installHelper('fake-ecr', locked.host, username, password)
        env.PATH = `${bin}${delimiter}${env.PATH}`
        writeJson(join(env.HOME!, '.docker', 'config.json'), {
          credHelpers: { [locked.host]: 'fake-ecr' },
        })
      },
    ],
    [
      'the credsStore (docker-credential-<name> get)',
      (env: NodeJS.ProcessEnv) => {
        const bin = installHelper('fake-store', locked.host, username, password)
        env.PATH = `${bin}${delimiter}${env.PATH}`
        writeJson(join(env.HOME!, '.docker', 'config.json'), {
          credsStore: 'fake-store',
          auths: { [locked.host]: {} },
        })
      },
    ],
  ])('pushes with credentials from %s', async (name, prepare) => {
    const env = cleanEnv()
    prepare(env)
    const tag = `t${name
      .replace(/[^a-z]/gi, '')
      .slice(0, 20)
      .toLowerCase()}`
    const run = await push(
      ['--image', `${locked.host}/team/app`, '--tag', tag, '--output', 'json'],
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).destinations).toEqual([
      expect.objectContaining({ image: `${locked.host}/team/app`, result: 'pushed', digest }),
    ])
    expect(served(`${locked.host}/team/app:${tag}`, `${username}:${password}`)).toBe(digest)
    expect(run.stdout + run.stderr).not.toContain(password)
  })

  it('earlier files win: REGISTRY_AUTH_FILE before ~/.docker/config.json', async () => {
    const env = cleanEnv()
    writeJson(join(env.HOME!, '.docker', 'config.json'), {
      auths: { [locked.host]: { auth: basicAuth(username, 'stale-password') } },
    })
    env.REGISTRY_AUTH_FILE = writeJson(join(env.HOME!, 'auth.json'), {
      auths: { [locked.host]: { auth: basicAuth() } },
    })
    const run = await push(['--image', `${locked.host}/team/app`, '--tag', 'order'], env)
    expect(run.code, run.stderr).toBe(0)
  })

  it('skips a named credential helper that is not installed and says so', async () => {
    const env = cleanEnv()
    writeJson(join(env.HOME!, '.docker', 'config.json'), {
      credHelpers: { [locked.host]: 'not-installed-anywhere' },
      auths: { [locked.host]: { auth: basicAuth() } },
    })
    const run = await push(['--image', `${locked.host}/team/app`, '--tag', 'helperless'], env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/docker-credential-not-installed-anywhere .* not installed/)
  })

  it('reads the password from stdin with --username and --password-stdin', async () => {
    const run = await push(
      [
        '--image',
        `${locked.host}/team/app`,
        '--tag',
        'stdin',
        '--username',
        username,
        '--password-stdin',
      ],
      cleanEnv(),
      `${password}\n`,
    )
    expect(run.code, run.stderr).toBe(0)
    expect(served(`${locked.host}/team/app:stdin`, `${username}:${password}`)).toBe(digest)
  })

  it('exits 1 without echoing the password when the registry refuses it', async () => {
    const wrong = 'wrong-Secret-42'
    const run = await push(
      [
        '--image',
        `${locked.host}/team/app`,
        '--tag',
        'refused',
        '--username',
        username,
        '--password-stdin',
      ],
      cleanEnv(),
      wrong,
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      new RegExp(
        `registry ${locked.host.replace('.', '\\.')} refused the credentials from --username`,
      ),
    )
    expect(run.stderr + run.stdout).not.toContain(wrong)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('exits 2 naming the file when an auth file is not JSON', async () => {
    const env = cleanEnv()
    env.REGISTRY_AUTH_FILE = join(env.HOME!, 'broken.json')
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths": ')
    const run = await push(['--image', `${locked.host}/team/app`, '--tag', 'x'], env)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/REGISTRY_AUTH_FILE \(.*broken\.json\) is not valid JSON/)
  })
})

describe('scan --image from a registry that demands credentials', () => {
  it('copies the image with the credentials from the auth file, and judges its digest', async () => {
    const env = cleanEnv()
    env.REGISTRY_AUTH_FILE = writeJson(join(env.HOME!, 'auth.json'), {
      auths: { [locked.host]: { auth: basicAuth() } },
    })
    const pushed = await push(['--image', `${locked.host}/team/scanned`, '--tag', 'v1'], env)
    expect(pushed.code, pushed.stderr).toBe(0)
    const scan = await runCli(
      [
        'scan',
        '--image',
        `${locked.host}/team/scanned:v1`,
        '--skip-cve',
        '--tls-verify',
        'false',
        '--output',
        'json',
      ],
      root,
      env,
    )
    // The fixture is not hardened (no labels): the gate may fail, but it judged the pushed digest.
    expect([0, 1], scan.stderr).toContain(scan.code)
    expect(JSON.parse(scan.stdout).digest).toBe(digest)
    const anonymous = await runCli(
      ['scan', '--image', `${locked.host}/team/scanned:v1`, '--skip-cve', '--tls-verify', 'false'],
      root,
      cleanEnv(),
    )
    expect(anonymous.code).toBe(1)
    expect(anonymous.stderr).toMatch(
      new RegExp(
        `^golden-path scan: registry ${locked.host.replace('.', '\\.')} requires credentials`,
      ),
    )
  })
})

describe('push to several registries at one digest', () => {
  it('gives every destination the same digest and lists each in the JSON result', async () => {
    const env = cleanEnv()
    env.REGISTRY_AUTH_FILE = writeJson(join(env.HOME!, 'auth.json'), {
      auths: { [locked.host]: { auth: basicAuth() } },
    })
    const run = await push(
      [
        '--image',
        `${locked.host}/team/app`,
        '--image',
        `${open.host}/mirror/app`,
        '--tag',
        'v1',
        '--tag',
        `${open.host}/mirror/app:release`,
        '--output',
        'json',
      ],
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.digest).toBe(digest)
    expect(result.destinations).toEqual([
      {
        image: `${locked.host}/team/app`,
        registry: locked.host,
        result: 'pushed',
        digest,
        references: [`${locked.host}/team/app:v1`, `${locked.host}/team/app:release`],
        credentialSource: expect.stringMatching(/^REGISTRY_AUTH_FILE/),
      },
      {
        image: `${open.host}/mirror/app`,
        registry: open.host,
        result: 'pushed',
        digest,
        references: [`${open.host}/mirror/app:v1`, `${open.host}/mirror/app:release`],
      },
    ])
    for (const reference of result.references.filter((r: string) => r.startsWith(open.host))) {
      expect(served(reference)).toBe(digest)
    }
  })

  it('pushes nothing and names the destination that refused when one registry lacks credentials', async () => {
    const run = await push(
      [
        '--image',
        `${open.host}/first/app`,
        '--image',
        `${locked.host}/second/app`,
        '--tag',
        'partial',
        '--output',
        'json',
      ],
      cleanEnv(),
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      new RegExp(`registry ${locked.host.replace('.', '\\.')} requires credentials`),
    )
    expect(JSON.parse(run.stdout).destinations).toMatchObject([
      { image: `${open.host}/first/app`, result: 'skipped' },
      { image: `${locked.host}/second/app`, result: 'failed' },
    ])
    // Access is checked everywhere before any bytes move: the first registry got nothing.
    const tags = await fetch(`http://${open.host}/v2/first/app/tags/list`)
    expect(tags.status).toBe(404)
  })
})

describe('which push failures are retried', () => {
  it('does not retry a plain-HTTP registry reached with TLS verification, and says what to do', async () => {
    const sleeps: number[] = []
    const attempt = pushImage(
      {
        ociLayout: layout,
        image: `${open.host}/team/app`,
        tags: ['tls'],
        tlsVerify: true,
        attempts: 3,
        retryDelayMs: 10,
        env: cleanEnv(),
      },
      {
        runner: spawnRunner,
        logger: nullLogger,
        clock: { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) },
      },
    )
    await expect(attempt).rejects.toThrow(/answers plain HTTP, not HTTPS: .*--tls-verify false/)
    expect(sleeps).toEqual([])
  })

  it('retries a registry that answers 503, then fails listing the destination', async () => {
    // A proxy in front of the real registry that fails every manifest upload with 503.
    const { createServer, request } = await import('node:http')
    const proxy = createServer((incoming, outgoing) => {
      if (incoming.method === 'PUT' && incoming.url?.includes('/manifests/')) {
        incoming.resume()
        outgoing.writeHead(503, { 'content-type': 'application/json' })
        outgoing.end('{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}')
        return
      }
      const [host, port] = open.host.split(':')
      const forwarded = request(
        {
          host,
          port: Number(port),
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        },
      )
      incoming.pipe(forwarded)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const port = (proxy.address() as { port: number }).port
    const sleeps: number[] = []
    try {
      const attempt = pushImage(
        {
          ociLayout: layout,
          image: `127.0.0.1:${port}/flaky/app`,
          tags: ['retry'],
          tlsVerify: false,
          attempts: 3,
          retryDelayMs: 10,
          env: cleanEnv(),
        },
        {
          runner: spawnRunner,
          logger: nullLogger,
          clock: { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) },
        },
      )
      const error = await attempt.catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(RegistryPushError)
      expect((error as RegistryPushError).message).toMatch(/failed after 3 attempt\(s\)/)
      expect((error as RegistryPushError).result?.destinations[0]).toMatchObject({
        result: 'failed',
      })
      expect(sleeps).toEqual([10, 20])
    } finally {
      await new Promise((resolve) => proxy.close(resolve))
    }
  })
})
