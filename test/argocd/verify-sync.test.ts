import { afterEach, describe, expect, it } from 'vitest'
import { abortableSystemClock } from '../../actions/lib/argocd/abortable-clock'
import { ArgoCdClient } from '../../actions/lib/argocd/client'
import { parseExpectedRevision } from '../../actions/lib/argocd/revision'
import { type VerifySyncOptions, verifyArgoSync } from '../../actions/lib/argocd/verify-sync'
import type { Logger } from '../../actions/lib/ports'
import { newImage, newRevision, oldRevision } from '../support/argocd-fixtures'
import {
  comparisonErrorFrames,
  degradedFrames,
  failedOperationFrames,
  multiSourceFrames,
  olderRevisionRefusedFrames,
  projectRefusedFrames,
  rolloutFrames,
  type Scenario,
  scenario,
  stuckAtOldFrames,
} from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'

const token = 'argocd-token-for-ci'
const step = 40
let simulator: ArgoCdSimulator | undefined

afterEach(async () => {
  await simulator?.close()
  simulator = undefined
})

interface Run {
  token?: string
  appNamespace?: string
  project?: string
  requestTimeoutMs?: number
}

async function verify(scene: Scenario, options: Partial<VerifySyncOptions> = {}, run: Run = {}) {
  simulator = await ArgoCdSimulator.start({ scenario: scene, token })
  const logs: string[] = []
  const logger: Logger = {
    debug() {},
    info: (message) => logs.push(message),
    warning: (message) => logs.push(message),
    error: (message) => logs.push(message),
  }
  const requestTimeoutMs = run.requestTimeoutMs ?? 2_000
  const client = new ArgoCdClient({
    server: simulator.url,
    token: run.token ?? token,
    appNamespace: run.appNamespace,
    project: run.project,
    requestTimeoutMs,
    retry: { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 200 },
    fetch: globalThis.fetch,
    clock: abortableSystemClock,
    logger,
  })
  const result = await verifyArgoSync(
    {
      app: 'web',
      appNamespace: run.appNamespace,
      revision: parseExpectedRevision(newRevision),
      images: [],
      sync: false,
      watch: 'ndjson',
      timeoutMs: 10_000,
      pollIntervalMs: 50,
      degradedGraceMs: 150,
      requestTimeoutMs,
      ...options,
    },
    { client, clock: abortableSystemClock, logger },
  )
  return { result, logs, requests: simulator.requests }
}

const pathCount = (requests: { path: string }[], path: string) =>
  requests.filter((request) => request.path === path).length

describe('verifying an Argo CD rollout against the simulator', () => {
  it.each(['ndjson', 'sse', 'poll'] as const)(
    'passes only once the app is Synced and Healthy at the new revision (%s)',
    async (watch) => {
      // Steps long enough for every state to be seen, even by a cold first run.
      const { result, requests } = await verify(scenario('rollout', rolloutFrames(200)), { watch })
      expect(result).toMatchObject({
        verified: true,
        outcome: 'verified',
        syncedRevision: newRevision,
        syncStatus: 'Synced',
        health: 'Healthy',
        watch,
      })
      // It saw the old revision Synced and Healthy first and did not stop there.
      expect(result.timeline[0]).toMatchObject({
        syncStatus: 'Synced',
        health: 'Healthy',
        revision: oldRevision,
      })
      expect(
        result.timeline.some(
          (entry) => entry.syncStatus === 'Synced' && entry.health === 'Progressing',
        ),
      ).toBe(true)
      expect(result.timeline.at(-1)).toMatchObject({
        syncStatus: 'Synced',
        health: 'Healthy',
        revision: newRevision,
        operationPhase: 'Succeeded',
      })
      const { phases } = result
      expect(result.timeline.map((entry) => entry.operationPhase)).toContain('Running')
      if (watch !== 'poll') {
        expect(phases.outOfSyncAt).not.toBeNull()
        expect(phases.operationRunningAt).not.toBeNull()
        expect(Date.parse(phases.outOfSyncAt!)).toBeLessThanOrEqual(
          Date.parse(phases.operationRunningAt!),
        )
      }
      expect(Date.parse(phases.syncedAt!)).toBeLessThanOrEqual(Date.parse(phases.healthyAt!))
      if (watch === 'sse') {
        expect(
          requests.find((request) => request.path === '/api/v1/stream/applications')?.accept,
        ).toBe('text/event-stream')
      }
      if (watch === 'poll') expect(pathCount(requests, '/api/v1/stream/applications')).toBe(0)
    },
  )

  it('never passes an app that stays Synced and Healthy at the old revision', async () => {
    const { result } = await verify(scenario('stuck', stuckAtOldFrames()), { timeoutMs: 400 })
    expect(result.verified).toBe(false)
    expect(result.outcome).toBe('timeout')
    expect(result.message).toContain('not verified within 0 s')
    expect(result.message).toContain(`waiting for Synced at ${newRevision.slice(0, 12)}`)
    expect(result.syncedRevision).toBe(oldRevision)
  })

  it('fails fast when the rollout turns Degraded and names the crash-looping pods', async () => {
    const { result } = await verify(scenario('degraded', degradedFrames(step)), {
      timeoutMs: 10_000,
    })
    expect(result.outcome).toBe('degraded')
    expect(result.durationSeconds).toBeLessThan(3)
    expect(result.message).toMatch(/^Degraded at 9b8c7d6e5f4a/)
    const pods = result.degradedResources.filter((resource) => resource.kind === 'Pod')
    expect(pods).toHaveLength(2)
    expect(pods[0]).toMatchObject({ health: 'Degraded', namespace: 'web-prod' })
    expect(pods[0].message).toContain('back-off 40s restarting failed container=app')
    expect(result.degradedResources).toContainEqual(
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        message: 'Deployment "web" exceeded its progress deadline',
      }),
    )
  })

  it('does not fail on a Degraded state that recovers within the grace period', async () => {
    const frames = degradedFrames(step)
    frames.push({ atMs: frames.length * step, moment: rolloutFrames(step).at(-1)!.moment })
    const { result } = await verify(scenario('blip', frames), { degradedGraceMs: 1_000 })
    expect(result.outcome).toBe('verified')
    expect(result.phases.degradedAt).not.toBeNull()
  })

  it('fails fast when the sync operation for the revision fails', async () => {
    const { result } = await verify(scenario('failed', failedOperationFrames(step)))
    expect(result.outcome).toBe('operation-failed')
    expect(result.message).toContain('sync operation to 9b8c7d6e5f4a Failed')
    expect(result.message).toContain('spec.template.spec.containers[0].image: Required value')
    expect(result.operation).toMatchObject({ phase: 'Failed', revision: newRevision })
    expect(result.failedSyncResources).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', status: 'SyncFailed' }),
    ])
  })

  it("fails at the first retry of a resource the AppProject refuses, naming it and Argo CD's message", async () => {
    const { result } = await verify(scenario('refused', projectRefusedFrames(step)), {
      timeoutMs: 10_000,
    })
    expect(result.outcome).toBe('operation-failed')
    expect(result.message).toBe(
      'sync operation to 9b8c7d6e5f4a cannot succeed: ConfigMap/extra: resource :ConfigMap is not permitted in project default (Argo CD retries it, attempt #1; the same revision fails the same way)',
    )
    // The first refused attempt ends it, long before the timeout and before any further retry.
    expect(result.durationSeconds).toBeLessThan(2)
    expect(result.operation).toMatchObject({ phase: 'Running', revision: newRevision })
    expect(result.failedSyncResources).toEqual([
      expect.objectContaining({ kind: 'ConfigMap', name: 'extra', status: 'SyncFailed' }),
    ])
  })

  it('does not fail a new revision because the previous one keeps being refused', async () => {
    const { result } = await verify(scenario('older-refused', olderRevisionRefusedFrames(step)))
    expect(result.outcome).toBe('verified')
    expect(result.timeline[0]).toMatchObject({ operationPhase: 'Running', revision: oldRevision })
  })

  it('fails fast on a ComparisonError condition', async () => {
    const { result } = await verify(scenario('comparison', comparisonErrorFrames(step)))
    expect(result.outcome).toBe('condition-error')
    expect(result.message).toMatch(/^ComparisonError: Failed to load target state/)
    expect(result.conditions[0].type).toBe('ComparisonError')
  })

  it('reconnects when the stream drops mid-message', async () => {
    // Steps longer than the reconnect delay, so that each drop interrupts the rollout.
    const scene = scenario('drops', rolloutFrames(250), {
      streamDrops: { afterEvents: 1, times: 2 },
    })
    const { result, requests } = await verify(scene)
    expect(result.outcome).toBe('verified')
    expect(result.watch).toBe('ndjson')
    expect(pathCount(requests, '/api/v1/stream/applications')).toBeGreaterThanOrEqual(3)
  })

  it('falls back to polling when the stream endpoint is not served', async () => {
    const scene = scenario('no-stream', rolloutFrames(step), { stream: 'unavailable' })
    const { result, logs } = await verify(scene)
    expect(result.outcome).toBe('verified')
    expect(result.watch).toBe('poll')
    expect(logs.join('\n')).toContain('the watch endpoint answered HTTP 404')
  })

  it('retries through bursts of 502 and 429 answers', async () => {
    const burst = [
      { status: 502 as const },
      { status: 429 as const, retryAfterSeconds: 0 },
      { status: 502 as const },
    ]
    const scene = scenario('bursts', rolloutFrames(step), {
      faults: { get: burst, stream: burst, tree: burst },
    })
    const { result, requests, logs } = await verify(scene)
    expect(result.outcome).toBe('verified')
    expect(result.watch).toBe('ndjson')
    expect(pathCount(requests, '/api/v1/applications/web')).toBe(4)
    expect(pathCount(requests, '/api/v1/stream/applications')).toBe(4)
    expect(logs.join('\n')).toContain('HTTP 429')
  })

  it('times out a slow request and retries it', async () => {
    const scene = scenario('slow', rolloutFrames(step), { faults: { get: [{ slowMs: 5_000 }] } })
    const { result, logs } = await verify(scene, {}, { requestTimeoutMs: 300 })
    expect(result.outcome).toBe('verified')
    expect(result.durationSeconds).toBeLessThan(4)
    expect(logs.join('\n')).toContain('no answer within 300 ms')
  })

  it('survives malformed JSON in an answer and in the stream', async () => {
    const scene = scenario('malformed', rolloutFrames(step), {
      faults: { get: [{ malformed: true }] },
      streamMalformed: true,
    })
    const { result, logs } = await verify(scene)
    expect(result.outcome).toBe('verified')
    expect(logs.join('\n')).toContain('the answer is not JSON')
    expect(logs.join('\n')).toContain('the watch stream sent a message that is not JSON')
  })

  it('fails at once with a message about the token when it is rejected', async () => {
    const { result, requests } = await verify(
      scenario('rollout', rolloutFrames(step)),
      {},
      { token: 'expired' },
    )
    expect(result.outcome).toBe('unauthorized')
    expect(result.message).toContain('Argo CD rejected the token (HTTP 401')
    expect(result.message).toContain('ARGOCD_AUTH_TOKEN')
    expect(result.message).not.toContain('wrong-token-value')
    expect(requests).toHaveLength(1)
  })

  it('fails at once when the token may not read the app', async () => {
    const { result, requests } = await verify(
      scenario('forbidden', rolloutFrames(step), { forbidden: true }),
    )
    expect(result.outcome).toBe('unauthorized')
    expect(result.message).toContain('HTTP 403')
    expect(requests).toHaveLength(1)
  })

  it('fails at once when the app does not exist', async () => {
    const { result } = await verify(scenario('absent', rolloutFrames(step), { exists: false }))
    expect(result.outcome).toBe('not-found')
    expect(result.message).toBe(
      `application 'web' not found (applications.argoproj.io "web" not found)`,
    )
  })

  it('fails when the app is deleted while verifying', async () => {
    const scene = scenario('deleted', stuckAtOldFrames(), { deleteAfterMs: 100 })
    const streamed = await verify(scene)
    expect(streamed.result).toMatchObject({
      outcome: 'deleted',
      message: "application 'web' was deleted while verifying",
    })
    await simulator?.close()
    const polled = await verify(scene, { watch: 'poll' })
    expect(polled.result.outcome).toBe('not-found')
  })

  it('finds an app in another namespace only with --app-namespace, and passes project and refresh', async () => {
    const scene = scenario('namespaced', rolloutFrames(step), { namespace: 'team-a' })
    const missing = await verify(scene)
    expect(missing.result.outcome).toBe('not-found')
    await simulator?.close()
    const found = await verify(
      scene,
      { refresh: 'hard' },
      { appNamespace: 'team-a', project: 'payments' },
    )
    expect(found.result.outcome).toBe('verified')
    expect(found.requests[0].query).toEqual({
      appNamespace: 'team-a',
      project: 'payments',
      refresh: 'hard',
    })
    const stream = found.requests.find((request) => request.path === '/api/v1/stream/applications')
    expect(stream?.query).toEqual({ appNamespace: 'team-a', projects: 'payments', name: 'web' })
  })

  it('triggers a sync to the revision for an app without automated sync', async () => {
    const frames = rolloutFrames(step, false).slice(1)
    const scene = scenario('manual', frames, { clockStartsOn: 'sync' })
    const { result, requests } = await verify(scene, { sync: true })
    expect(result.outcome).toBe('verified')
    expect(result.phases.syncRequestedAt).not.toBeNull()
    const sync = requests.find((request) => request.method === 'POST')
    expect(sync?.path).toBe('/api/v1/applications/web/sync')
    expect(sync?.body).toEqual({ name: 'web', revision: newRevision, prune: false })
  })

  it('watches the running operation when Argo CD refuses a second sync', async () => {
    const scene = scenario('conflict', rolloutFrames(step), { syncConflict: true })
    const { result, logs } = await verify(scene, { sync: true })
    expect(result.outcome).toBe('verified')
    expect(result.phases.syncRequestedAt).toBeNull()
    expect(logs.join('\n')).toContain('not requesting a sync')
  })

  it('waits for the expected images in status.summary.images', async () => {
    const ok = await verify(scenario('images', rolloutFrames(step)), { images: [newImage] })
    expect(ok.result.outcome).toBe('verified')
    await simulator?.close()
    const other = 'ghcr.io/example-org/golden-path-reference-service:9.9.9'
    const missing = await verify(scenario('images', rolloutFrames(step)), {
      images: [other],
      timeoutMs: 600,
    })
    expect(missing.result.outcome).toBe('timeout')
    expect(missing.result.message).toContain(`images not deployed yet: ${other}`)
    expect(missing.result.images.missing).toEqual([other])
  })

  it('reports an image pinned by tag and digest as deployed when repo@digest is expected', async () => {
    const digest = `sha256:${'c'.repeat(64)}`
    const pinned = `ghcr.io/example-org/golden-path-reference-service:sha-1a2b3c4@${digest}`
    const frames = rolloutFrames(step).map((frame) => ({
      ...frame,
      moment: {
        ...frame.moment,
        images: frame.moment.images.map((image) => (image === newImage ? pinned : image)),
      },
    }))
    const expected = `ghcr.io/example-org/golden-path-reference-service@${digest}`
    const { result } = await verify(scenario('pinned', frames), { images: [expected] })
    expect(result.outcome).toBe('verified')
    expect(result.images).toEqual({ expected: [expected], deployed: [pinned], missing: [] })
  })

  it('requires every source of a multi-source app at the revision', async () => {
    const all = await verify(scenario('multi', multiSourceFrames(step, newRevision)))
    expect(all.result.outcome).toBe('verified')
    expect(all.result.syncedRevisions).toEqual([newRevision, newRevision])
    await simulator?.close()
    const partial = await verify(scenario('multi', multiSourceFrames(step, oldRevision)), {
      timeoutMs: 600,
    })
    expect(partial.result.outcome).toBe('timeout')
  })

  it('without a revision, verifies the revision Argo CD targets once it is Synced and Healthy', async () => {
    const current = await verify(scenario('stuck', stuckAtOldFrames()), { revision: undefined })
    expect(current.result).toMatchObject({
      outcome: 'verified',
      expectedRevision: null,
      syncedRevision: oldRevision,
    })
    await simulator?.close()
    const moving = await verify(scenario('rollout', rolloutFrames(step).slice(1)), {
      revision: undefined,
    })
    expect(moving.result).toMatchObject({
      outcome: 'verified',
      syncedRevision: newRevision,
      health: 'Healthy',
    })
    expect(moving.result.timeline[0].syncStatus).toBe('OutOfSync')
  })

  it('accepts an abbreviated SHA as a prefix', async () => {
    const { result } = await verify(scenario('rollout', rolloutFrames(step)), {
      revision: parseExpectedRevision(newRevision.slice(0, 10)),
    })
    expect(result.outcome).toBe('verified')
  })
})

describe('verifying against an unreachable server', () => {
  it('reports the server unreachable after retrying', async () => {
    const logs: string[] = []
    const logger: Logger = { debug() {}, info() {}, warning: (m) => logs.push(m), error() {} }
    const client = new ArgoCdClient({
      server: 'http://127.0.0.1:9',
      token,
      requestTimeoutMs: 500,
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      fetch: globalThis.fetch,
      clock: abortableSystemClock,
      logger,
    })
    const result = await verifyArgoSync(
      {
        app: 'web',
        revision: parseExpectedRevision(newRevision),
        images: [],
        sync: false,
        watch: 'ndjson',
        timeoutMs: 5_000,
        pollIntervalMs: 50,
        degradedGraceMs: 100,
        requestTimeoutMs: 500,
      },
      { client, clock: abortableSystemClock, logger },
    )
    expect(result.outcome).toBe('unreachable')
    expect(result.message).toMatch(
      /^GET \/api\/v1\/applications\/web failed 3 times; last: cannot reach http:\/\/127\.0\.0\.1:9/,
    )
    expect(logs).toHaveLength(2)
  })
})
