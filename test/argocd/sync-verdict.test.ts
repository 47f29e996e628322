import { describe, expect, it } from 'vitest'
import type { Application } from '../../actions/lib/argocd/application'
import { parseExpectedRevision } from '../../actions/lib/argocd/revision'
import { judgeApplication } from '../../actions/lib/argocd/sync-verdict'

const sha = '9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c'
const old = '3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'
const sibling = '9b8c7d6e5f4a00000000000000000000000000ff'
const image = 'ghcr.io/example-org/app:2.0.0'

function app(
  status: NonNullable<Application['status']>,
  operation?: Application['operation'],
): Application {
  return { metadata: { name: 'web' }, status, ...(operation ? { operation } : {}) }
}

const succeeded = (revision: string) => ({
  phase: 'Succeeded',
  message: 'successfully synced (all tasks run)',
  operation: { sync: { revision } },
  syncResult: { revision },
})

/** An automated sync's attempt whose ConfigMap the AppProject refused, as v3.6.2 records it. */
const refusedAttempt = (revision: string, phase: string, retryCount: number) => ({
  phase,
  message: `one or more synchronization tasks are not valid: resource :ConfigMap is not permitted in project web${
    phase === 'Running'
      ? `. Retrying attempt #${retryCount} at 2026-12-07T00:43:50Z.`
      : ` (retried ${retryCount} times).`
  }`,
  retryCount,
  operation: { sync: { revision } },
  syncResult: {
    revision,
    resources: [
      {
        group: '',
        kind: 'ConfigMap',
        namespace: 'web',
        name: 'extra',
        status: 'SyncFailed',
        message: 'resource :ConfigMap is not permitted in project web',
      },
    ],
  },
})

describe('judging one observed state of an Application', () => {
  it.each([
    {
      name: 'Synced and Healthy at the expected revision with its operation Succeeded',
      app: app({
        sync: { status: 'Synced', revision: sha },
        health: { status: 'Healthy' },
        operationState: succeeded(sha),
      }),
      expect: { state: 'verified' },
    },
    {
      name: 'Synced and Healthy without any operation (synced by hand earlier)',
      app: app({ sync: { status: 'Synced', revision: sha }, health: { status: 'Healthy' } }),
      expect: { state: 'verified' },
    },
    {
      name: 'Synced and Healthy at the OLD revision',
      app: app({
        sync: { status: 'Synced', revision: old },
        health: { status: 'Healthy' },
        operationState: succeeded(old),
      }),
      expect: {
        state: 'pending',
        reason: 'Synced at 3f2a1c9e8b7d, waiting for Synced at 9b8c7d6e5f4a',
      },
    },
    {
      name: 'OutOfSync against the expected revision (compared, not yet applied)',
      app: app({ sync: { status: 'OutOfSync', revision: sha }, health: { status: 'Healthy' } }),
      expect: {
        state: 'pending',
        reason: 'OutOfSync at 9b8c7d6e5f4a, waiting for Synced at 9b8c7d6e5f4a',
      },
    },
    {
      name: 'Synced and Healthy while the operation (a PostSync hook) still runs',
      app: app(
        {
          sync: { status: 'Synced', revision: sha },
          health: { status: 'Healthy' },
          operationState: { phase: 'Running', operation: { sync: { revision: sha } } },
        },
        { sync: { revision: sha } },
      ),
      expect: { state: 'pending', reason: 'Synced at 9b8c7d6e5f4a, sync operation Running' },
    },
    {
      name: 'Synced at the revision and still Progressing',
      app: app({
        sync: { status: 'Synced', revision: sha },
        health: { status: 'Progressing' },
        operationState: succeeded(sha),
      }),
      expect: {
        state: 'pending',
        reason: 'Synced at 9b8c7d6e5f4a, health Progressing',
        degradedAtRevision: false,
      },
    },
    {
      name: 'Synced at the revision and Degraded (grace period applies)',
      app: app({
        sync: { status: 'Synced', revision: sha },
        health: { status: 'Degraded' },
        operationState: succeeded(sha),
      }),
      expect: { state: 'pending', degradedAtRevision: true },
    },
    {
      name: 'Degraded while still at the old revision (not our rollout)',
      app: app({ sync: { status: 'Synced', revision: old }, health: { status: 'Degraded' } }),
      expect: { state: 'pending', degradedAtRevision: false },
    },
    {
      name: 'the operation for the revision Failed',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        health: { status: 'Healthy' },
        operationState: {
          ...succeeded(sha),
          phase: 'Failed',
          message: 'one or more objects failed to apply',
        },
      }),
      expect: { state: 'failed', kind: 'operation-failed' },
    },
    {
      name: 'the operation for the revision ended in Error',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        operationState: { ...succeeded(sha), phase: 'Error', message: 'rpc error' },
      }),
      expect: {
        state: 'failed',
        kind: 'operation-failed',
        reason: 'sync operation to 9b8c7d6e5f4a Error: rpc error',
      },
    },
    {
      name: 'an older operation Failed (not for this revision)',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        operationState: { ...succeeded(old), phase: 'Failed', message: 'old failure' },
      }),
      expect: { state: 'pending' },
    },
    {
      name: 'a SyncError condition',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        conditions: [
          {
            type: 'SyncError',
            message:
              'Failed sync attempt to 9b8c7d6: one or more synchronization tasks are not valid',
          },
        ],
      }),
      expect: { state: 'failed', kind: 'condition-error' },
    },
    {
      name: 'a SyncError left by an older revision while Argo CD has not compared the new one',
      app: app({
        sync: { status: 'OutOfSync', revision: old },
        health: { status: 'Healthy' },
        conditions: [
          {
            type: 'SyncError',
            message: `Failed last sync attempt to [${old}]: one or more synchronization tasks are not valid (retried 5 times).`,
          },
        ],
      }),
      expect: { state: 'pending' },
    },
    {
      name: 'a ComparisonError while Argo CD could not resolve the target (it reports the branch)',
      app: app({
        sync: { status: 'Unknown', revision: 'main' },
        conditions: [{ type: 'ComparisonError', message: 'Failed to load target state: …' }],
      }),
      expect: { state: 'failed', kind: 'condition-error' },
    },
    {
      name: 'the operation for the revision Failed: the verdict names the refused resources',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        operationState: refusedAttempt(sha, 'Failed', 5),
      }),
      expect: {
        state: 'failed',
        kind: 'operation-failed',
        reason:
          'sync operation to 9b8c7d6e5f4a Failed: ConfigMap/extra: resource :ConfigMap is not permitted in project web',
      },
    },
    {
      name: 'an automated sync retrying a resource the project refuses (retrying cannot help)',
      app: app(
        {
          sync: { status: 'OutOfSync', revision: sha },
          health: { status: 'Healthy' },
          operationState: refusedAttempt(sha, 'Running', 1),
        },
        { sync: { revision: sha } },
      ),
      expect: {
        state: 'failed',
        kind: 'operation-failed',
        reason:
          'sync operation to 9b8c7d6e5f4a cannot succeed: ConfigMap/extra: resource :ConfigMap is not permitted in project web (Argo CD retries it, attempt #1; the same revision fails the same way)',
      },
    },
    {
      name: 'an automated sync retrying an object the API server rejects as invalid',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        operationState: {
          ...refusedAttempt(sha, 'Running', 2),
          syncResult: {
            revision: sha,
            resources: [
              {
                group: 'apps',
                kind: 'Deployment',
                name: 'web',
                status: 'SyncFailed',
                message:
                  'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value',
              },
            ],
          },
        },
      }),
      expect: { state: 'failed', kind: 'operation-failed' },
    },
    {
      name: 'an automated sync retrying after a failure that may pass (the API server unreachable)',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        operationState: {
          ...refusedAttempt(sha, 'Running', 1),
          syncResult: {
            revision: sha,
            resources: [
              {
                group: 'apps',
                kind: 'Deployment',
                name: 'web',
                status: 'SyncFailed',
                message: 'dial tcp 10.0.0.1:443: connect: connection refused',
              },
            ],
          },
        },
      }),
      expect: { state: 'pending' },
    },
    {
      name: 'a refused resource retried for an OLDER revision does not fail the new one',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        health: { status: 'Healthy' },
        operationState: refusedAttempt(old, 'Running', 3),
      }),
      expect: { state: 'pending' },
    },
    {
      name: 'the first attempt refused, before Argo CD schedules a retry: still judged on its phase',
      app: app({
        sync: { status: 'OutOfSync', revision: sha },
        operationState: refusedAttempt(sha, 'Running', 0),
      }),
      expect: { state: 'pending' },
    },
    {
      name: 'a warning condition is no reason to fail',
      app: app({
        sync: { status: 'Synced', revision: sha },
        health: { status: 'Healthy' },
        conditions: [{ type: 'OrphanedResourceWarning', message: '1 orphaned resource' }],
      }),
      expect: { state: 'verified' },
    },
    {
      name: 'multi-source: every source at the revision',
      app: app({
        sync: { status: 'Synced', revisions: [sha, sha] },
        health: { status: 'Healthy' },
      }),
      expect: { state: 'verified' },
    },
    {
      name: 'multi-source: one source behind',
      app: app({
        sync: { status: 'Synced', revisions: [sha, old] },
        health: { status: 'Healthy' },
      }),
      expect: { state: 'pending' },
    },
  ])('$name', ({ app: observed, expect: expected }) => {
    expect(
      judgeApplication(observed, { revision: parseExpectedRevision(sha), images: [] }),
    ).toMatchObject(expected)
  })

  it('waits until every expected image is deployed', () => {
    const observed = app({
      sync: { status: 'Synced', revision: sha },
      health: { status: 'Healthy' },
      summary: { images: ['ghcr.io/example-org/app:1.0.0'] },
    })
    expect(
      judgeApplication(observed, { revision: parseExpectedRevision(sha), images: [image] }),
    ).toMatchObject({
      state: 'pending',
      reason: `Synced and Healthy at 9b8c7d6e5f4a, images not deployed yet: ${image}`,
    })
    observed.status!.summary = { images: ['ghcr.io/example-org/app:1.0.0', image] }
    expect(
      judgeApplication(observed, { revision: parseExpectedRevision(sha), images: [image] }).state,
    ).toBe('verified')
  })

  it('says why when Argo CD lists no image at all (an AppProject hiding the Pods)', () => {
    const observed = app({
      sync: { status: 'Synced', revision: sha },
      health: { status: 'Healthy' },
      summary: {},
    })
    expect(
      judgeApplication(observed, { revision: parseExpectedRevision(sha), images: [image] }),
    ).toMatchObject({
      state: 'pending',
      reason: `Synced and Healthy at 9b8c7d6e5f4a, images not deployed yet: ${image} (Argo CD lists no image for the app: its AppProject must admit ReplicaSets and Pods)`,
    })
  })

  it('takes an image pinned by tag and digest as the same image as its digest alone', () => {
    const digest = `sha256:${'a'.repeat(64)}`
    const other = `sha256:${'b'.repeat(64)}`
    const observed = app({
      sync: { status: 'Synced', revision: sha },
      health: { status: 'Healthy' },
      summary: { images: [`127.0.0.1:5050/acme/payments:sha-1a2b3c4@${digest}`] },
    })
    const judge = (images: string[]) =>
      judgeApplication(observed, { revision: parseExpectedRevision(sha), images }).state
    expect(judge([`127.0.0.1:5050/acme/payments@${digest}`])).toBe('verified')
    expect(judge([`127.0.0.1:5050/acme/payments@${other}`])).toBe('pending')
    expect(judge([`127.0.0.1:5050/acme/other@${digest}`])).toBe('pending')
  })

  it('accepts an abbreviated SHA only while it is unambiguous', () => {
    const short = parseExpectedRevision(sha.slice(0, 12))
    const unambiguous = app({
      sync: { status: 'Synced', revision: sha },
      health: { status: 'Healthy' },
    })
    expect(judgeApplication(unambiguous, { revision: short, images: [] }).state).toBe('verified')
    const ambiguous = app({
      sync: { status: 'Synced', revision: sha },
      health: { status: 'Healthy' },
      operationState: succeeded(sibling),
    })
    expect(judgeApplication(ambiguous, { revision: short, images: [] })).toMatchObject({
      state: 'failed',
      kind: 'ambiguous-revision',
    })
  })

  it('compares a full SHA exactly, whatever its case', () => {
    const observed = app({
      sync: { status: 'Synced', revision: sha },
      health: { status: 'Healthy' },
    })
    expect(
      judgeApplication(observed, { revision: parseExpectedRevision(sha.toUpperCase()), images: [] })
        .state,
    ).toBe('verified')
    expect(
      judgeApplication(observed, {
        revision: parseExpectedRevision(`${sha.slice(0, 39)}d`),
        images: [],
      }).state,
    ).toBe('pending')
  })
})
