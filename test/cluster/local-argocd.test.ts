import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveLocalArgocdTarget } from '../../actions/lib/cluster/argocd-target'
import {
  controlPlaneDir,
  locateBuildScript,
  readControlPlaneBuild,
} from '../../actions/lib/cluster/control-plane-build'
import { runDelivery } from '../../actions/lib/delivery/delivery-pipeline'
import { bumpStep } from '../../actions/lib/delivery/gitops-steps'
import { verifyStep } from '../../actions/lib/delivery/verify-step'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import type { DeliveryRecord } from '../../actions/lib/records/delivery-record'
import { recordDelivery, verifyWithStep } from '../../actions/lib/records/delivery-recording'
import { GitNotesRecordStore } from '../../actions/lib/records/git-notes-records'
import { digestOf, expectValidRecord, sketchRecord } from '../records/record-fixtures'
import { newRevision } from '../support/argocd-fixtures'
import { rolloutFrames, scenario } from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'
import { runCli } from '../support/cli-io'
import { commitFiles, git, gitEnv } from '../support/git-project'
import { type AllowedDifference, shapeDifferences, shapeOf } from '../support/payload-shape'

/**
 * The local control plane for real: etcd, kube-apiserver, controller-manager, scheduler,
 * kwok and Argo CD v3.6.2, brought up once for this file (binaries cached by
 * scripts/setup.sh), then the platform layer and `golden-path verify` against it.
 */

const repositoryRoot = new URL('../..', import.meta.url).pathname
const fixtures = new URL('./fixtures', import.meta.url).pathname
const placeholder = 'https://github.com/example-org/REPLACE-ME-gitops-repository.git'

interface UpJson {
  argocd: { server: string; token: string; account: string }
  kubeconfig: string
  versions: Record<string, string>
  stateDir: string
  ports: Record<string, number>
  alreadyRunning: boolean
  startSeconds: Record<string, number>
}

interface VerifyJson {
  verified: boolean
  outcome: string
  message: string
  syncedRevision: string | null
  syncStatus: string | null
  health: string | null
  watch: string
  degradedResources: { kind: string; name: string; health: string; message: string }[]
  failedSyncResources: { kind: string; name: string; status: string; message: string }[]
  images: { expected: string[]; deployed: string[]; missing: string[] }
  timeline: { syncStatus: string; health: string; revision: string }[]
  durationSeconds: number
}

let work: string
let localDir: string
let stateDir: string
let cluster: UpJson
let gitopsBare: string
let gitopsClone: string
let gitopsURL: string

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
  })
}

async function argocd(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${cluster.argocd.server}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${cluster.argocd.token}`, ...(init.headers ?? {}) },
  })
}

/** Writes files into the GitOps work tree, commits and pushes; returns the new commit. */
function push(files: Record<string, string>, message: string): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(gitopsClone, path, '..'), { recursive: true })
    writeFileSync(join(gitopsClone, path), content)
  }
  git(gitopsClone, ['add', '-A'])
  git(gitopsClone, ['commit', '-q', '-m', message])
  git(gitopsClone, ['push', '-q', 'origin', 'main'])
  return git(gitopsClone, ['rev-parse', 'HEAD'])
}

async function verify(
  args: string[],
): Promise<{ code: number; result: VerifyJson; stderr: string; stdout: string }> {
  const run = await runCli(
    ['verify', '--server', cluster.argocd.server, '--output', 'json', ...args],
    work,
    { ...process.env, ARGOCD_AUTH_TOKEN: cluster.argocd.token },
  )
  return {
    code: run.code,
    result: JSON.parse(run.stdout) as VerifyJson,
    stderr: run.stderr,
    stdout: run.stdout,
  }
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

function trapDeployment(tag: string, extraSpec = ''): string {
  const text = readFileSync(join(fixtures, 'trap', 'deployment.yaml'), 'utf8').replace('TAG', tag)
  return extraSpec ? text.replace('      containers:', `${extraSpec}      containers:`) : text
}

beforeAll(async () => {
  const script = locateBuildScript(import.meta.url)
  const buildDir = await controlPlaneDir(script, process.env)
  if (!readControlPlaneBuild(buildDir, true)) {
    throw new Error(
      `the local control plane is not built in ${buildDir}: run 'bash scripts/control-plane/build.sh' (scripts/setup.sh runs it; about 20 minutes cold)`,
    )
  }
  work = mkdtempSync(join(tmpdir(), 'golden-path-cluster-'))
  // Local delivery's state directory: the cluster lives in its cluster/ folder, as `cluster up` puts it by default.
  localDir = join(work, 'local')
  stateDir = join(localDir, 'cluster')
  const up = await runCli(
    ['cluster', 'up', '--state-dir', stateDir, '--output', 'json'],
    repositoryRoot,
  )
  if (up.code !== 0) throw new Error(`cluster up failed: ${up.stderr}`)
  cluster = JSON.parse(up.stdout) as UpJson

  // The GitOps repository: this repository's manifests/ and argocd/ with the placeholder
  // replaced, as docs/platform.md tells a team to do, plus the verify fixture.
  gitopsBare = join(work, 'gitops.git')
  gitopsURL = `file://${gitopsBare}`
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitopsBare], { env: gitEnv() })
  gitopsClone = join(work, 'gitops')
  execFileSync('git', ['clone', '-q', gitopsBare, gitopsClone], { env: gitEnv() })
  cpSync(join(repositoryRoot, 'manifests'), join(gitopsClone, 'manifests'), { recursive: true })
  cpSync(join(repositoryRoot, 'argocd'), join(gitopsClone, 'argocd'), { recursive: true })
  for (const name of [
    'project.yaml',
    'root.yaml',
    'reference-service-dev.yaml',
    'reference-service-stage.yaml',
    'reference-service-prod.yaml',
  ]) {
    const file = join(gitopsClone, 'argocd', name)
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(placeholder, gitopsURL))
  }
  push(
    { 'apps/trap/deployment.yaml': trapDeployment('1') },
    'Seed the platform layer and the verify fixture',
  )
}, 170_000)

afterAll(async () => {
  if (stateDir) await runCli(['cluster', 'down', '--state-dir', stateDir], repositoryRoot)
  if (work) rmSync(work, { recursive: true, force: true })
}, 60_000)

describe('golden-path cluster up', () => {
  it('reports the Argo CD server, a working token, the kubeconfig and the versions, and writes them to the state directory', async () => {
    expect(cluster.argocd.server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(cluster.versions).toMatchObject({
      kubernetes: 'v1.37.2',
      etcd: 'v3.7.0',
      argocd: 'v3.6.2',
      kwok: 'v0.8.0',
    })
    expect(JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8'))).toMatchObject({
      argocd: cluster.argocd,
      kubeconfig: cluster.kubeconfig,
    })
    const settings = await argocd('/api/v1/applications')
    expect(settings.status).toBe(200)
    const node = JSON.parse(kubectl(['get', 'node', 'kwok-node-0', '-o', 'json'])) as {
      metadata: { annotations: Record<string, string> }
    }
    expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake')
  })

  it('returns the running cluster on a second up, without starting anything', async () => {
    const again = await runCli(
      ['cluster', 'up', '--state-dir', stateDir, '--output', 'json'],
      repositoryRoot,
    )
    expect(again.code).toBe(0)
    const details = JSON.parse(again.stdout) as UpJson
    expect(details.alreadyRunning).toBe(true)
    expect(details.argocd).toEqual(cluster.argocd)
    const status = await runCli(
      ['cluster', 'status', '--state-dir', stateDir, '--output', 'json'],
      repositoryRoot,
    )
    expect(status.code).toBe(0)
    const parsed = JSON.parse(status.stdout) as {
      state: string
      components: { name: string; running: boolean }[]
    }
    expect(parsed.state).toBe('running')
    expect(parsed.components.map((c) => c.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'redis',
      'argocd-repo-server',
      'argocd-application-controller',
      'argocd-server',
    ])
    expect(status.stdout).not.toContain(cluster.argocd.token)
  })

  it('listens on 127.0.0.1 only, except the application controller metrics port', () => {
    const listening = new Map<number, string[]>()
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/)
        if (fields[3] !== '0A') continue
        const [address, portHex] = fields[1].split(':')
        const port = Number.parseInt(portHex, 16)
        listening.set(port, [...(listening.get(port) ?? []), address])
      }
    }
    const { applicationControllerMetrics, ...loopbackOnly } = cluster.ports
    for (const [name, port] of Object.entries(loopbackOnly)) {
      const addresses = listening.get(port) ?? []
      for (const address of addresses) {
        expect({ name, address }).toEqual({ name, address: '0100007F' })
      }
    }
    expect(listening.get(applicationControllerMetrics)).toBeDefined()
  })
})

describe('the platform layer applied to a real Argo CD', () => {
  let head: string

  it('root Application creates the env Applications, and each is Synced and Healthy at the GitOps head', async () => {
    head = git(gitopsClone, ['rev-parse', 'HEAD'])
    kubectl(['apply', '-f', '-'], readFileSync(join(gitopsClone, 'argocd', 'root.yaml'), 'utf8'))
    const names = await waitFor(
      'the env Applications',
      async () => {
        const response = await argocd('/api/v1/applications')
        const list = (await response.json()) as { items?: { metadata: { name: string } }[] }
        const found = (list.items ?? []).map((item) => item.metadata.name).sort()
        return found.length === 5 ? found : undefined
      },
      90_000,
    )
    // The platform layer's own Application (cluster policies) comes with the teams' ones.
    expect(names).toEqual([
      'golden-path-platform',
      'golden-path-root',
      'reference-service-dev',
      'reference-service-prod',
      'reference-service-stage',
    ])
    for (const app of [
      'reference-service-dev',
      'reference-service-stage',
      'reference-service-prod',
    ]) {
      const { code, result } = await verify([
        '--app',
        app,
        '--revision',
        head,
        '--refresh',
        'normal',
        '--timeout',
        '120',
      ])
      expect({ app, outcome: result.outcome, message: result.message }).toMatchObject({
        app,
        outcome: 'verified',
      })
      expect(code).toBe(0)
    }
  }, 420_000)

  it('creates each namespace with the restricted Pod Security label (CreateNamespace, managedNamespaceMetadata)', () => {
    const labels = JSON.parse(
      kubectl(['get', 'namespace', 'reference-service-dev', '-o', 'jsonpath={.metadata.labels}']),
    )
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted')
  })

  it('keeps an app Synced when the replica count is changed in the cluster (ignoreDifferences on /spec/replicas)', async () => {
    kubectl([
      '-n',
      'reference-service-dev',
      'scale',
      'deployment',
      'reference-service',
      '--replicas=2',
    ])
    const response = await argocd('/api/v1/applications/reference-service-dev?refresh=normal')
    const app = (await response.json()) as { status: { sync: { status: string } } }
    expect(app.status.sync.status).toBe('Synced')
  })

  it('lists the running image of a new release, so verify --images passes with it and not with another', async () => {
    const overlay = join(gitopsClone, 'manifests', 'overlays', 'stage', 'kustomization.yaml')
    const released = 'ghcr.io/example-org/golden-path-reference-service:0.2.0'
    const commit = push(
      {
        'manifests/overlays/stage/kustomization.yaml': readFileSync(overlay, 'utf8').replace(
          'newTag: "0.1.0"',
          'newTag: "0.2.0"',
        ),
      },
      'Release 0.2.0 to stage',
    )
    const deployed = await verify([
      '--app',
      'reference-service-stage',
      '--revision',
      commit,
      '--refresh',
      'normal',
      '--images',
      released,
      '--timeout',
      '120',
    ])
    expect({ outcome: deployed.result.outcome, message: deployed.result.message }).toEqual({
      outcome: 'verified',
      message: expect.any(String),
    })
    expect(deployed.code).toBe(0)
    expect(deployed.result.images.deployed).toContain(released)

    const other = 'ghcr.io/example-org/golden-path-reference-service:9.9.9'
    const wrong = await verify([
      '--app',
      'reference-service-stage',
      '--revision',
      commit,
      '--images',
      other,
      '--timeout',
      '8',
    ])
    expect(wrong.code).toBe(1)
    expect(wrong.result.outcome).toBe('timeout')
    expect(wrong.result.images.missing).toEqual([other])
    expect(wrong.result.images.deployed).toContain(released)
    expect(wrong.result.message).toContain(`images not deployed yet: ${other}`)
  }, 180_000)

  it('refuses a kind the AppProject does not admit, and verify names it', async () => {
    const overlay = join(gitopsClone, 'manifests', 'overlays', 'dev', 'kustomization.yaml')
    const original = readFileSync(overlay, 'utf8')
    const withConfigMap = original.replace(
      '  - ../../base\n',
      '  - ../../base\n  - extra-configmap.yaml\n',
    )
    const commit = push(
      {
        'manifests/overlays/dev/kustomization.yaml': withConfigMap,
        'manifests/overlays/dev/extra-configmap.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  key: value\n',
      },
      'Add a ConfigMap the project does not admit',
    )
    const { code, result } = await verify([
      '--app',
      'reference-service-dev',
      '--revision',
      commit,
      '--refresh',
      'normal',
      '--timeout',
      '60',
    ])
    expect(code).toBe(1)
    expect(result.verified).toBe(false)
    // Argo CD refuses the ConfigMap before applying anything and schedules a retry; the
    // refusal cannot pass on a retry, so verify ends at the first one, not at --timeout.
    expect(result.outcome).toBe('operation-failed')
    expect(result.message).toContain(commit.slice(0, 12))
    expect(result.message).toContain(
      'ConfigMap/extra: resource :ConfigMap is not permitted in project reference-service',
    )
    expect(result.failedSyncResources).toContainEqual(
      expect.objectContaining({ kind: 'ConfigMap', name: 'extra', status: 'SyncFailed' }),
    )
    // Well before --timeout 60 (without this, verify waited all of it).
    expect(result.durationSeconds).toBeLessThan(30)
    rmSync(join(gitopsClone, 'manifests', 'overlays', 'dev', 'extra-configmap.yaml'))
    // Argo CD retries the refused sync with backoff (up to 3 min) before it takes the restored commit.
    const restored = push(
      { 'manifests/overlays/dev/kustomization.yaml': original },
      'Remove the ConfigMap again',
    )
    expect(restored).toMatch(/^[0-9a-f]{40}$/)
  }, 240_000)
})

describe('golden-path verify against a real Argo CD', () => {
  let first: string

  beforeAll(() => {
    first = git(gitopsClone, ['rev-parse', 'HEAD'])
    // Auto-sync off: only verify --sync (or a person) moves this app to a new commit.
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'verify-trap', namespace: 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: gitopsURL, targetRevision: 'main', path: 'apps/trap' },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'verify-trap' },
          syncPolicy: { syncOptions: ['CreateNamespace=true'] },
        },
      }),
    )
  })

  it('--sync syncs an app without automated sync to the revision, and verifies it', async () => {
    const { code, result } = await verify([
      '--app',
      'verify-trap',
      '--revision',
      first,
      '--sync',
      '--timeout',
      '120',
    ])
    expect(result.outcome).toBe('verified')
    expect(result.syncedRevision).toBe(first)
    expect(code).toBe(0)
  }, 150_000)

  it('does not pass while the app is Synced and Healthy at the previous commit (auto-sync off)', async () => {
    const next = push({ 'apps/trap/deployment.yaml': trapDeployment('2') }, 'Bump the trap image')
    const { code, result } = await verify([
      '--app',
      'verify-trap',
      '--revision',
      next,
      '--timeout',
      '8',
    ])
    expect(code).toBe(1)
    expect(result.verified).toBe(false)
    expect(result.outcome).toBe('timeout')
    // It saw the trap: Synced and Healthy, at the previous commit.
    expect(result.timeline[0]).toMatchObject({
      syncStatus: 'Synced',
      health: 'Healthy',
      revision: first,
    })
    expect(result.message).toContain(next.slice(0, 7))
  }, 60_000)

  it('follows the app by polling (--watch poll) to the pushed commit', async () => {
    const head = git(gitopsClone, ['rev-parse', 'HEAD'])
    const { code, result } = await verify([
      '--app',
      'verify-trap',
      '--revision',
      head,
      '--sync',
      '--refresh',
      'normal',
      '--watch',
      'poll',
      '--poll-interval',
      '1',
      '--timeout',
      '120',
    ])
    expect(result.outcome).toBe('verified')
    expect(result.watch).toBe('poll')
    expect(code).toBe(0)
  }, 150_000)

  it('follows the app by the NDJSON watch stream to the pushed commit', async () => {
    const next = push(
      { 'apps/trap/deployment.yaml': trapDeployment('3') },
      'Bump the trap image again',
    )
    const { code, result } = await verify([
      '--app',
      'verify-trap',
      '--revision',
      next,
      '--sync',
      '--refresh',
      'normal',
      '--watch',
      'ndjson',
      '--timeout',
      '120',
    ])
    expect(result.outcome).toBe('verified')
    expect(result.watch).toBe('ndjson')
    expect(code).toBe(0)
  }, 150_000)

  it('serves the watch stream as NDJSON, the first message an ADDED snapshot of the app', async () => {
    const controller = new AbortController()
    const response = await argocd('/api/v1/stream/applications?name=verify-trap', {
      signal: controller.signal,
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (!text.includes('\n')) {
      const { value, done } = await reader.read()
      if (done) break
      text += Buffer.from(value).toString('utf8')
    }
    controller.abort()
    const message = JSON.parse(text.split('\n')[0]) as {
      result: { type: string; application: { metadata: { name: string } } }
    }
    expect(message.result.type).toBe('ADDED')
    expect(message.result.application.metadata.name).toBe('verify-trap')
  })

  it('fails Degraded naming the Deployment when its pods can never be scheduled', async () => {
    const broken = push(
      {
        'apps/trap/deployment.yaml': trapDeployment(
          '4',
          '      nodeSelector:\n        golden-path.dev/no-such-node: "true"\n',
        ),
      },
      'Pin the trap to a node that does not exist',
    )
    const { code, result } = await verify([
      '--app',
      'verify-trap',
      '--revision',
      broken,
      '--sync',
      '--refresh',
      'normal',
      '--degraded-grace',
      '3',
      '--timeout',
      '120',
    ])
    expect(code).toBe(1)
    expect(result.outcome).toBe('degraded')
    expect(result.message).toMatch(/Deployment/)
    expect(result.degradedResources).toContainEqual(
      expect.objectContaining({
        kind: 'Deployment',
        name: 'trap',
        health: 'Degraded',
        message: expect.stringMatching(/progress deadline/),
      }),
    )
  }, 150_000)

  it('says the app does not exist', async () => {
    const { code, result } = await verify([
      '--app',
      'no-such-app',
      '--revision',
      first,
      '--timeout',
      '20',
    ])
    expect(code).toBe(1)
    // Argo CD v3.6.2 answers a missing app as it answers a forbidden one (it does not say which exists).
    expect(result.verified).toBe(false)
    expect(['not-found', 'unauthorized']).toContain(result.outcome)
  })

  it('says the token was rejected (401) without printing it', async () => {
    const run = await runCli(
      [
        'verify',
        '--server',
        cluster.argocd.server,
        '--app',
        'verify-trap',
        '--revision',
        first,
        '--token',
        'not-a-real-token-value',
        '--output',
        'json',
        '--timeout',
        '20',
      ],
      work,
    )
    expect(run.code).toBe(1)
    const result = JSON.parse(run.stdout) as VerifyJson
    expect(result.outcome).toBe('unauthorized')
    expect(result.message).toMatch(/401/)
    expect(run.stdout + run.stderr).not.toContain('not-a-real-token-value')
  })
})

/**
 * Fields that follow the app's configuration or the cluster's content, not the API's shape.
 * The simulated app syncs automatically with retries and carries labels; the real one here
 * (verify-trap) has no automated policy, is synced by `verify --sync` as the local account,
 * was created by `kubectl apply` and deploys no Service. Every other field must be served by
 * both, with the same JSON type.
 */
const configurationDependent: AllowedDifference[] = [
  { path: 'metadata.labels', why: 'the simulated app is labelled; verify-trap is not' },
  {
    path: 'metadata.annotations',
    why: 'kubectl apply records last-applied-configuration on verify-trap',
  },
  { path: 'spec.syncPolicy.automated', why: 'automated sync is on in the simulator only' },
  {
    path: 'status.history[].initiatedBy',
    why: 'automated: true for an automated sync, username for a requested one',
  },
  { path: 'status.operationState.operation.initiatedBy', why: 'as status.history[].initiatedBy' },
  {
    path: 'status.operationState.operation.sync.prune',
    why: 'an automated sync carries the policy prune flag; a requested one leaves it out',
  },
  {
    path: 'status.operationState.operation.retry',
    why: 'the sync policy retry settings; {} when the app has none',
  },
  {
    path: 'nodes[].networkingInfo.targetLabels',
    why: 'a Service node: the simulated app has a Service, verify-trap does not',
  },
]

/** The same allowances inside a watch stream message. */
const streamConfigurationDependent: AllowedDifference[] = configurationDependent.map(
  (allowance) => ({ ...allowance, path: `result.application.${allowance.path}` }),
)

async function firstStreamMessage(url: string, token: string): Promise<unknown> {
  const controller = new AbortController()
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  })
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) break
    text += Buffer.from(value).toString('utf8')
  }
  controller.abort()
  return JSON.parse(text.split('\n')[0])
}

describe('the simulator serves the shapes of the real Argo CD v3.6.2', () => {
  it('an app synced and healthy at a new revision: the same fields, with the same types, in the Application, resource tree and stream', async () => {
    // The real side: verify-trap after the verify scenarios, synced to a healthy commit again.
    const healthy = push({ 'apps/trap/deployment.yaml': trapDeployment('5') }, 'Heal the trap')
    const real = await verify([
      '--app',
      'verify-trap',
      '--revision',
      healthy,
      '--sync',
      '--refresh',
      'normal',
      '--timeout',
      '120',
    ])
    expect(real.result.outcome).toBe('verified')
    // The simulated side: the same rollout, played to its end.
    const token = 'conformance-token'
    const simulator = await ArgoCdSimulator.start({
      scenario: scenario('conformance', rolloutFrames(50)),
      token,
    })
    try {
      const simulated = await runCli(
        [
          'verify',
          '--server',
          simulator.url,
          '--app',
          'web',
          '--revision',
          newRevision,
          '--token',
          token,
          '--output',
          'json',
          '--timeout',
          '30',
        ],
        work,
      )
      expect(JSON.parse(simulated.stdout).outcome).toBe('verified')
      const get = async (base: string, bearer: string, path: string) =>
        (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${bearer}` } })).json()
      const pairs: [string, unknown, unknown, AllowedDifference[]][] = [
        [
          'v1alpha1Application',
          await get(simulator.url, token, '/api/v1/applications/web'),
          await get(
            cluster.argocd.server,
            cluster.argocd.token,
            '/api/v1/applications/verify-trap',
          ),
          configurationDependent,
        ],
        [
          'v1alpha1ApplicationTree',
          await get(simulator.url, token, '/api/v1/applications/web/resource-tree'),
          await get(
            cluster.argocd.server,
            cluster.argocd.token,
            '/api/v1/applications/verify-trap/resource-tree',
          ),
          configurationDependent,
        ],
        [
          'stream message',
          await firstStreamMessage(`${simulator.url}/api/v1/stream/applications?name=web`, token),
          await firstStreamMessage(
            `${cluster.argocd.server}/api/v1/stream/applications?name=verify-trap`,
            cluster.argocd.token,
          ),
          streamConfigurationDependent,
        ],
      ]
      for (const [definition, fromSimulator, fromArgocd, allowList] of pairs) {
        expect({
          definition,
          differences: shapeDifferences(shapeOf(fromSimulator), shapeOf(fromArgocd), allowList),
        }).toEqual({
          definition,
          differences: [],
        })
      }
    } finally {
      await simulator.close()
    }
  }, 180_000)
})

describe('rollback of a failed delivery, on the real Argo CD', () => {
  // Another team's service: its own image name, GitOps repository and Application.
  const image = 'registry.example/team-b/orders'
  const overlay = (digest: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: ${image}
    digest: ${digest}
`
  const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 1
  progressDeadlineSeconds: 15
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: orders
          image: ${image}
`
  /** A kwok Stage that starts the pods of one image in CrashLoopBackOff: the new build is broken. */
  const crashingImage = (reference: string) => ({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: 'orders-broken-build' },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: {
        matchExpressions: [
          { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
          { key: '.status.phase', operator: 'In', values: ['Pending'] },
          { key: '.spec.containers.[0].image', operator: 'In', values: [reference] },
        ],
      },
      // Chosen over kwok's pod-ready stage (weight 0) for these pods.
      weight: 1,
      next: {
        statusTemplate: `{{ $now := Now }}
conditions:
- {lastTransitionTime: {{ $now | Quote }}, status: "True", type: Initialized}
- {lastTransitionTime: {{ $now | Quote }}, status: "False", type: Ready, reason: ContainersNotReady}
- {lastTransitionTime: {{ $now | Quote }}, status: "False", type: ContainersReady}
- {lastTransitionTime: {{ $now | Quote }}, status: "True", type: PodScheduled}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  restartCount: 3
  started: false
  state:
    waiting: {reason: CrashLoopBackOff, message: "back-off restarting failed container"}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Running
startTime: {{ $now | Quote }}
`,
      },
    },
  })

  it('records the failed rollout, puts the last healthy image back and verifies the rollback commit', async () => {
    const ports = { runner: spawnRunner, clock: systemClock, logger: nullLogger, env: gitEnv() }
    const root = join(work, 'team-b')
    const product = join(root, 'orders')
    commitFiles(product, { 'main.py': 'print("orders")\n' }, 'feature')
    const tree = join(root, 'gitops-work')
    const healthyCommit = commitFiles(
      tree,
      {
        'overlays/prod/kustomization.yaml': overlay(digestOf(1)),
        'overlays/prod/deployment.yaml': deployment,
      },
      'Deliver orders 1',
    )
    const bare = join(root, 'gitops.git')
    git(root, ['clone', '--quiet', '--bare', tree, bare])
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'orders-prod', namespace: 'argocd' },
        spec: {
          project: 'default',
          source: { repoURL: `file://${bare}`, targetRevision: 'main', path: 'overlays/prod' },
          destination: { server: 'https://kubernetes.default.svc', namespace: 'orders' },
          syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
        },
      }),
    )
    const first = await verify([
      '--app',
      'orders-prod',
      '--revision',
      healthyCommit,
      '--timeout',
      '120',
    ])
    expect(first.result.outcome).toBe('verified')
    // The healthy delivery of image 1, as deliver records it.
    const records = new GitNotesRecordStore(bare, { ...ports, random: Math.random })
    const healthy = sketchRecord({ n: 1, startedAt: new Date(Date.now() - 60_000).toISOString() })
    healthy.app = 'orders-prod'
    healthy.gitops = { ...healthy.gitops, commit: healthyCommit }
    healthy.image = { name: image, digest: digestOf(1) }
    await records.write(healthy)

    // Build 2 crashes on start.
    kubectl(['apply', '-f', '-'], JSON.stringify(crashingImage(`${image}@${digestOf(2)}`)))
    const verifyOrders = verifyStep(
      {
        server: cluster.argocd.server,
        app: 'orders-prod',
        token: cluster.argocd.token,
        insecure: false,
        timeoutSeconds: '150',
      },
      {},
      ports,
    )
    const bump = bumpStep(
      {
        repository: bare,
        branch: 'main',
        overlay: 'overlays/prod',
        environment: 'prod',
        app: 'orders-prod',
        target: { name: image, adding: false, file: 'overlays/prod/kustomization.yaml' },
      },
      ports,
    )
    const startedAt = Date.now()
    const report = await runDelivery(
      [
        {
          name: 'push',
          async run(state) {
            state.digest = digestOf(2)
            return { status: 'passed', detail: 'build 2' }
          },
        },
        bump,
        verifyOrders,
      ],
      { image },
      ports,
    )
    expect(report.ok).toBe(false)
    const failed = report.steps.find((step) => step.status === 'failed')
    expect(failed?.name).toBe('verify')
    expect(failed?.detail).toMatch(/degraded/i)
    const failedCommit = report.state.gitopsCommit!

    const recording = await recordDelivery(
      report,
      {
        repository: bare,
        branch: 'main',
        overlay: 'overlays/prod',
        environment: 'prod',
        app: 'orders-prod',
        sourceDirectory: product,
        startedAt,
        rollbackOnFailure: true,
        verifyCommit: verifyWithStep(verifyOrders, image),
      },
      ports,
    )
    expect(recording.rollback, recording.rollback?.detail).toMatchObject({
      restoredDigest: digestOf(1),
      from: digestOf(2),
      verified: true,
    })
    const rollbackCommit = recording.rollback!.commit!
    expect(git(bare, ['show', 'main:overlays/prod/kustomization.yaml'])).toBe(
      overlay(digestOf(1)).trimEnd(),
    )
    // Argo CD applied the rollback commit, and the cluster runs image 1 again.
    const app = JSON.parse(
      kubectl(['-n', 'argocd', 'get', 'application', 'orders-prod', '-o', 'json']),
    ) as { status: { sync: { revision: string }; health: { status: string } } }
    expect(app.status.sync.revision).toBe(rollbackCommit)
    expect(app.status.health.status).toBe('Healthy')
    expect(
      kubectl([
        '-n',
        'orders',
        'get',
        'deployment',
        'orders',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ]),
    ).toBe(`${image}@${digestOf(1)}`)
    const notes = Object.fromEntries(
      (await records.readAll()).map((note) => [note.commit, note.record as DeliveryRecord]),
    )
    for (const record of Object.values(notes)) expectValidRecord(record)
    expect(notes[failedCommit]).toMatchObject({
      outcome: 'rolled-back',
      failure: { step: 'verify' },
      rollback: { commit: rollbackCommit, restoredDigest: digestOf(1) },
    })
    expect(notes[rollbackCommit]).toMatchObject({
      trigger: 'rollback',
      outcome: 'healthy',
      verified: true,
      image: { digest: digestOf(1) },
    })
    kubectl(['delete', 'stage', 'orders-broken-build'])
  }, 360_000)
})

describe('local delivery finds the running cluster', () => {
  it("applies another team's Application pointed at its GitOps repository on disk and returns the cluster's Argo CD", async () => {
    const team = join(work, 'team-a')
    cpSync(join(fixtures, 'team-repo'), team, { recursive: true })
    const target = await resolveLocalArgocdTarget({
      stateDir: localDir,
      cwd: team,
      argocdDir: 'argocd',
      gitopsRepository: join(localDir, 'team-a-gitops.git'),
      branch: 'main',
      gitopsPath: 'manifests/overlays/dev',
      seedManifests: 'deploy',
      imageRepository: { from: 'unused.example/none', to: '127.0.0.1:5050/team-a/api' },
      runner: spawnRunner,
    })
    expect(target).toMatchObject({
      server: cluster.argocd.server,
      token: cluster.argocd.token,
      app: 'team-a-dev',
      project: 'team-a',
      // team-a's project admits Deployments only: Argo CD hides their Pods, and so the images.
      listsImages: false,
    })
    const app = JSON.parse(
      kubectl(['-n', 'argocd', 'get', 'application', 'team-a-dev', '-o', 'json']),
    ) as {
      spec: { source: { repoURL: string } }
    }
    expect(app.spec.source.repoURL).toBe(`file://${join(localDir, 'team-a-gitops.git')}`)
    const project = JSON.parse(
      kubectl(['-n', 'argocd', 'get', 'appproject', 'team-a', '-o', 'json']),
    ) as {
      spec: { sourceRepos: string[] }
    }
    expect(project.spec.sourceRepos).toEqual([`file://${join(localDir, 'team-a-gitops.git')}`])
  })

  it('returns nothing when no cluster runs in the state directory', async () => {
    const target = await resolveLocalArgocdTarget({
      stateDir: join(work, 'elsewhere'),
      cwd: work,
      argocdDir: 'argocd',
      gitopsRepository: 'gitops.git',
      branch: 'main',
      gitopsPath: 'deploy/dev',
      seedManifests: 'deploy',
      imageRepository: { from: 'a', to: 'b' },
      runner: spawnRunner,
    })
    expect(target).toBeUndefined()
    expect(existsSync(join(work, 'elsewhere'))).toBe(false)
  })
})

describe('golden-path cluster down', () => {
  it('stops every process it started and removes the state, keeping the build cache', async () => {
    const status = JSON.parse(
      (
        await runCli(
          ['cluster', 'status', '--state-dir', stateDir, '--output', 'json'],
          repositoryRoot,
        )
      ).stdout,
    ) as { components: { pid: number }[] }
    const down = await runCli(['cluster', 'down', '--state-dir', stateDir], repositoryRoot)
    expect(down.code).toBe(0)
    for (const { pid } of status.components)
      expect(
        existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '),
      ).toBe(false)
    expect(existsSync(stateDir)).toBe(false)
    const buildDir = await controlPlaneDir(locateBuildScript(import.meta.url), process.env)
    expect(readControlPlaneBuild(buildDir, true)).toBeDefined()
    const after = await runCli(['cluster', 'status', '--state-dir', stateDir], repositoryRoot)
    expect(after.code).toBe(1)
    expect(after.stdout).toContain('stopped')
  }, 60_000)
})
