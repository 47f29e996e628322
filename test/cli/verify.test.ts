import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { newImage, newRevision } from '../support/argocd-fixtures'
import {
  degradedFrames,
  rolloutFrames,
  type Scenario,
  scenario,
  stuckAtOldFrames,
} from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'
import { bundleNode } from '../support/node-runtime'

const token = 'eyJhbGciOiJIUzI1NiJ9.ci-deployer-token'
const root = new URL('../..', import.meta.url).pathname
let simulator: ArgoCdSimulator | undefined

afterEach(async () => {
  await simulator?.close()
  simulator = undefined
})

async function golden(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk) => out.push(String(chunk)))
  stderr.on('data', (chunk) => err.push(String(chunk)))
  const code = await main(args, { stdout, stderr, stdin: new PassThrough(), env, cwd: root })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

async function serve(scene: Scenario, tls?: { key: string; cert: string }) {
  simulator = await ArgoCdSimulator.start({ scenario: scene, token, tls })
  return simulator.url
}

const fast = ['--poll-interval', '0.05', '--degraded-grace', '0.2', '--request-timeout', '2']

describe('golden-path verify', () => {
  it('exits 0 and prints the JSON document when the rollout is verified', async () => {
    const server = await serve(scenario('rollout', rolloutFrames(40)))
    const { code, stdout } = await golden(
      [
        'verify',
        '--server',
        server,
        '--app',
        'web',
        '--revision',
        newRevision,
        '--images',
        newImage,
        '--output',
        'json',
        ...fast,
      ],
      { ARGOCD_AUTH_TOKEN: token },
    )
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({
      verified: true,
      outcome: 'verified',
      syncedRevision: newRevision,
      health: 'Healthy',
      syncStatus: 'Synced',
      images: { expected: [newImage], missing: [] },
    })
    expect(typeof result.durationSeconds).toBe('number')
    expect(Object.keys(result.phases)).toEqual([
      'startedAt',
      'refreshedAt',
      'syncRequestedAt',
      'firstObservedAt',
      'outOfSyncAt',
      'operationRunningAt',
      'syncedAt',
      'healthyAt',
      'degradedAt',
      'finishedAt',
    ])
  })

  it('exits 1 and names the degraded resources in text', async () => {
    const server = await serve(scenario('degraded', degradedFrames(40)))
    const { code, stdout } = await golden([
      'verify',
      '--server',
      server,
      '--app',
      'web',
      '--revision',
      newRevision,
      '--token',
      token,
      ...fast,
    ])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^web: NOT verified \(degraded\) after/)
    expect(stdout).toContain('unhealthy resources:')
    expect(stdout).toContain(
      'apps/Deployment web-prod/web: Degraded: Deployment "web" exceeded its progress deadline',
    )
    expect(stdout).toMatch(
      /Pod web-prod\/web-6c9d8f7b5-x2x8q: Degraded: back-off 40s restarting failed container=app/,
    )
    expect(stdout).toContain('timeline (ndjson):')
  })

  it('exits 1 at once on a wrong token, with a message about the token and not the token itself', async () => {
    const server = await serve(scenario('rollout', rolloutFrames(40)))
    const { code, stdout, stderr } = await golden(
      ['verify', '--server', server, '--app', 'web', '--revision', newRevision, '--output', 'json'],
      { ARGOCD_AUTH_TOKEN: 'not-the-right-token' },
    )
    expect(code).toBe(1)
    const result = JSON.parse(stdout)
    expect(result.outcome).toBe('unauthorized')
    expect(result.message).toContain('Argo CD rejected the token')
    expect(stdout + stderr).not.toContain('not-the-right-token')
  })

  it('exits 1 on timeout when Argo CD stays at the old revision', async () => {
    const server = await serve(scenario('stuck', stuckAtOldFrames()))
    const { code, stdout } = await golden([
      'verify',
      '--server',
      server,
      '--app',
      'web',
      '--revision',
      newRevision,
      '--token',
      token,
      '--timeout',
      '0.5',
      ...fast,
    ])
    expect(code).toBe(1)
    expect(stdout).toContain('NOT verified (timeout)')
  })

  it.each([
    [
      ['--app', 'web', '--revision', newRevision, '--token', token],
      'missing --server: the Argo CD server URL',
    ],
    [
      ['--server', 'https://argocd.example.com', '--revision', newRevision, '--token', token],
      'missing --app',
    ],
    [
      ['--server', 'https://argocd.example.com', '--app', 'web', '--token', token],
      'missing --revision',
    ],
    [
      [
        '--server',
        'https://argocd.example.com',
        '--app',
        'web',
        '--revision',
        'main',
        '--token',
        token,
      ],
      "invalid --revision 'main'",
    ],
    [
      ['--server', 'https://argocd.example.com', '--app', 'web', '--revision', newRevision],
      'missing --token',
    ],
    [
      ['--server', 'ftp://argocd', '--app', 'web', '--revision', newRevision, '--token', token],
      "invalid --server 'ftp://argocd': expected an http or https URL",
    ],
    [
      [
        '--server',
        'argocd.example.com',
        '--app',
        'web',
        '--revision',
        newRevision,
        '--token',
        token,
        '--refresh',
        'soft',
      ],
      "invalid --refresh 'soft': expected one of normal, hard",
    ],
    [
      [
        '--server',
        'argocd.example.com',
        '--app',
        'web',
        '--revision',
        newRevision,
        '--token',
        token,
        '--timeout',
        '5m',
      ],
      "invalid --timeout '5m': expected a number of seconds",
    ],
    [
      [
        '--server',
        'argocd.example.com',
        '--app',
        'web',
        '--revision',
        newRevision,
        '--token',
        token,
        '--watch',
        'grpc',
      ],
      "invalid --watch 'grpc'",
    ],
    [
      [
        '--server',
        'argocd.example.com',
        '--app',
        'web',
        '--revision',
        newRevision,
        '--token',
        token,
        '--ca-file',
        '/nonexistent/ca.pem',
      ],
      "cannot read --ca-file '/nonexistent/ca.pem' (ENOENT)",
    ],
    [
      [
        '--server',
        'argocd.example.com',
        '--app',
        'web',
        '--revision',
        newRevision,
        '--token',
        token,
        '--insecure',
        '--ca-file',
        'ca.pem',
      ],
      '--insecure and --ca-file contradict each other: give one',
    ],
    [
      [
        '--server',
        'argocd.example.com',
        '--app',
        'Web App',
        '--revision',
        newRevision,
        '--token',
        token,
      ],
      "invalid --app 'Web App'",
    ],
    [['--bogus'], "unknown flag '--bogus'"],
  ])('exits 2 with one line for bad usage %#', async (args, message) => {
    const { code, stderr, stdout } = await golden(['verify', ...args])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(`golden-path verify: ${message}`)
  })
})

describe('golden-path verify over TLS', () => {
  let dir: string
  let tls: { key: string; cert: string }
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-verify-tls-'))
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=argocd-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'ca.pem'),
      ],
      { encoding: 'utf8' },
    )
    if (made.error || made.status !== 0) {
      throw new Error(
        `openssl is needed for the TLS tests (apt-get install -y openssl): ${made.stderr ?? made.error}`,
      )
    }
    tls = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    }
    writeFileSync(join(dir, 'not-a-cert.pem'), 'hello\n')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const base = (server: string) => [
    'verify',
    '--server',
    server,
    '--app',
    'web',
    '--revision',
    newRevision,
    '--token',
    token,
    '--output',
    'json',
    ...fast,
  ]

  it('refuses a self-signed server without a CA bundle, and says how to fix it', async () => {
    const server = await serve(scenario('rollout', rolloutFrames(40)), tls)
    const { code, stdout } = await golden(base(server))
    expect(code).toBe(1)
    const result = JSON.parse(stdout)
    expect(result.outcome).toBe('unreachable')
    expect(result.message).toContain('TLS verification of')
    expect(result.message).toContain('--ca-file')
  })

  it('verifies with the CA bundle given by --ca-file', async () => {
    const server = await serve(scenario('rollout', rolloutFrames(40)), tls)
    const { code, stdout } = await golden([...base(server), '--ca-file', join(dir, 'ca.pem')])
    expect(JSON.parse(stdout).outcome).toBe('verified')
    expect(code).toBe(0)
  })

  it('verifies with --insecure and warns that verification is off', async () => {
    const server = await serve(scenario('rollout', rolloutFrames(40)), tls)
    const { code, stderr } = await golden([...base(server), '--insecure'])
    expect(code).toBe(0)
    expect(stderr).toContain('TLS certificate verification is off')
  })

  it('rejects a --ca-file that holds no certificate', async () => {
    const { code, stderr } = await golden([
      ...base('https://127.0.0.1:1'),
      '--ca-file',
      join(dir, 'not-a-cert.pem'),
    ])
    expect(code).toBe(2)
    expect(stderr).toContain('holds no PEM certificate')
  })
})

describe('the built golden-path CLI', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'cli/dist/index.js'))) {
      const built = spawnSync('node', ['scripts/build.mjs', 'cli'], { cwd: root, encoding: 'utf8' })
      if (built.status !== 0) throw new Error(`building the CLI failed: ${built.stderr}`)
    }
  })

  it('exits 0 as soon as the app is verified, leaving nothing running', async () => {
    const server = await serve(scenario('rollout', rolloutFrames(40)))
    const child = spawn(
      bundleNode,
      [
        'cli/dist/index.js',
        'verify',
        '--server',
        server,
        '--app',
        'web',
        '--revision',
        newRevision,
        ...fast,
      ],
      { cwd: root, env: { ...process.env, ARGOCD_AUTH_TOKEN: token } },
    )
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
    expect(stdout).toMatch(/^web: verified after/)
    const healthy = simulator!.finalStateAt('stream')
    expect(healthy).toBeDefined()
  })
})
