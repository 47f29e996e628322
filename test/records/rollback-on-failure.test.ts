import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type DeliveryStep, runDelivery } from '../../actions/lib/delivery/delivery-pipeline'
import { bumpStep } from '../../actions/lib/delivery/gitops-steps'
import { verifyStep } from '../../actions/lib/delivery/verify-step'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import type { DeliveryRecord } from '../../actions/lib/records/delivery-record'
import { recordDelivery, verifyWithStep } from '../../actions/lib/records/delivery-recording'
import { GitNotesRecordStore } from '../../actions/lib/records/git-notes-records'
import type { AppMoment } from '../support/argocd-fixtures'
import { appName } from '../support/argocd-fixtures'
import { scenario } from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'
import { commitFiles, git, gitEnv } from '../support/git-project'
import { digestOf, expectValidRecord, sketchRecord } from './record-fixtures'

const token = 'golden-path-test-token'
const image = 'ghcr.io/acme/payments'
const overlay = (digest: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: ${image}
    digest: ${digest}
`
const roots: string[] = []
let simulator: ArgoCdSimulator | undefined
afterEach(async () => {
  await simulator?.close()
  simulator = undefined
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

const ports = { runner: spawnRunner, clock: systemClock, logger: nullLogger, env: gitEnv() }

/**
 * A product checkout and a GitOps repository where D1 was delivered healthy. The
 * Argo CD simulator plays the app: degraded at whatever commit the delivery pushes,
 * then Synced and Healthy at the rollback commit once it exists.
 */
async function setting() {
  const root = mkdtempSync(join(tmpdir(), 'golden-path-rollback-verify-'))
  roots.push(root)
  const product = join(root, 'product')
  commitFiles(product, { 'main.go': 'package main\n' }, 'feature', '2026-11-02T09:00:00Z')
  const work = join(root, 'gitops-work')
  const c1 = commitFiles(
    work,
    {
      'overlays/prod/kustomization.yaml': overlay(digestOf(1)),
      'overlays/prod/deployment.yaml': 'kind: Deployment\n',
    },
    'D1',
  )
  const bare = join(root, 'gitops.git')
  git(root, ['clone', '--quiet', '--bare', work, bare])
  const healthy = sketchRecord({
    n: 1,
    startedAt: '2026-11-01T09:00:00Z',
    healthyAt: '2026-11-01T09:05:00Z',
  })
  healthy.gitops = { ...healthy.gitops, commit: c1 }
  healthy.image = { name: image, digest: digestOf(1) }
  await new GitNotesRecordStore(bare, { ...ports, random: Math.random }).write(healthy)
  const moment: AppMoment = {
    sync: 'Synced',
    health: 'Healthy',
    revision: c1,
    images: [`${image}@${digestOf(1)}`],
    tree: 'healthy',
  }
  simulator = await ArgoCdSimulator.start({
    scenario: scenario('delivery then rollback', [{ atMs: 0, moment }]),
    token,
  })
  return { root, product, bare, moment }
}

function steps(
  bare: string,
  moment: AppMoment,
  server: string,
): { steps: DeliveryStep[]; verify: DeliveryStep } {
  const options = {
    repository: bare,
    branch: 'main',
    overlay: 'overlays/prod',
    environment: 'prod',
    app: 'payments',
    target: { name: image, adding: false, file: 'overlays/prod/kustomization.yaml' },
  }
  const bump = bumpStep(options, { ...ports })
  const verify = verifyStep(
    { server, app: appName, token, insecure: false, timeoutSeconds: '20' },
    {},
    ports,
  )
  return {
    verify,
    steps: [
      // The image steps are covered elsewhere: here the pushed digest is given.
      {
        name: 'push',
        async run(state) {
          state.digest = digestOf(2)
          return { status: 'passed', detail: 'D2' }
        },
      },
      {
        name: 'bump',
        async run(state) {
          const outcome = await bump.run(state)
          // Argo CD syncs the new commit, and it fails to roll out.
          Object.assign(moment, {
            revision: state.gitopsCommit,
            health: 'Degraded',
            tree: 'crashloop',
            images: [`${image}@${digestOf(2)}`],
            operation: {
              phase: 'Failed',
              revision: state.gitopsCommit,
              message: 'one or more objects failed to apply',
            },
          })
          return outcome
        },
      },
      verify,
    ],
  }
}

describe('rollback on failure (verify against the Argo CD simulator)', () => {
  it('records the failure, rolls back, verifies the rollback and marks the failure rolled-back', async () => {
    const { product, bare, moment } = await setting()
    const { steps: pipeline, verify } = steps(bare, moment, simulator!.url)
    const startedAt = Date.now()
    const report = await runDelivery(pipeline, { image }, ports)
    expect(report.ok).toBe(false)
    expect(report.steps.find((step) => step.status === 'failed')?.name).toBe('verify')
    const failedCommit = report.state.gitopsCommit!
    const rollbackVerifier = verifyWithStep(verify, image)!
    const recording = await recordDelivery(
      report,
      {
        repository: bare,
        branch: 'main',
        overlay: 'overlays/prod',
        environment: 'prod',
        app: 'payments',
        sourceDirectory: product,
        startedAt,
        rollbackOnFailure: true,
        verifyCommit: async (commit, imageRef) => {
          // Argo CD picks up the rollback commit and the old image is healthy again.
          Object.assign(moment, {
            revision: commit,
            health: 'Healthy',
            tree: 'healthy',
            images: [imageRef],
            operation: undefined,
          })
          return rollbackVerifier(commit, imageRef)
        },
      },
      ports,
    )
    expect(recording.rollback).toMatchObject({
      restoredDigest: digestOf(1),
      from: digestOf(2),
      verified: true,
    })
    const rollbackCommit = recording.rollback!.commit!
    expect(git(bare, ['rev-parse', 'main'])).toBe(rollbackCommit)
    expect(git(bare, ['show', 'main:overlays/prod/kustomization.yaml'])).toBe(
      overlay(digestOf(1)).trimEnd(),
    )
    // Argo CD was asked about the rollback commit itself.
    const notes = Object.fromEntries(
      (await new GitNotesRecordStore(bare, { ...ports, random: Math.random }).readAll()).map(
        (note) => [note.commit, note.record as DeliveryRecord],
      ),
    )
    for (const record of Object.values(notes)) expectValidRecord(record)
    expect(notes[failedCommit]).toMatchObject({
      trigger: 'delivery',
      outcome: 'rolled-back',
      verified: true,
      failure: { step: 'verify' },
      rollback: { commit: rollbackCommit, restoredDigest: digestOf(1) },
      source: { committedAt: '2026-11-02T09:00:00Z' },
    })
    expect(notes[failedCommit]!.failure!.message).toMatch(/^payments|^web/)
    expect(notes[rollbackCommit]).toMatchObject({
      trigger: 'rollback',
      outcome: 'healthy',
      verified: true,
      image: { digest: digestOf(1) },
    })
  }, 90_000)

  it('records a healthy delivery when verify passes, and rolls nothing back', async () => {
    const { product, bare, moment } = await setting()
    const { steps: pipeline } = steps(bare, moment, simulator!.url)
    // This time the rollout succeeds at the pushed commit.
    const bump = pipeline[1]!
    pipeline[1] = {
      name: 'bump',
      async run(state) {
        const outcome = await bump.run(state)
        Object.assign(moment, {
          revision: state.gitopsCommit,
          health: 'Healthy',
          tree: 'healthy',
          images: [`${image}@${digestOf(2)}`],
          operation: undefined,
        })
        return outcome
      },
    }
    const report = await runDelivery(pipeline, { image }, ports)
    expect(report.ok).toBe(true)
    const recording = await recordDelivery(
      report,
      {
        repository: bare,
        branch: 'main',
        overlay: 'overlays/prod',
        environment: 'prod',
        sourceDirectory: product,
        startedAt: Date.now() - 1000,
        rollbackOnFailure: true,
      },
      ports,
    )
    expect(recording.rollback).toBeUndefined()
    expectValidRecord(recording.record)
    expect(recording.record).toMatchObject({
      outcome: 'healthy',
      verified: true,
      image: { digest: digestOf(2) },
    })
    const stored = JSON.parse(
      git(bare, ['notes', '--ref', 'refs/notes/golden-path', 'show', report.state.gitopsCommit!]),
    )
    expect(stored).toEqual(recording.record)
  }, 90_000)

  it('writes no record when the delivery failed before any GitOps commit', async () => {
    const report = await runDelivery(
      [{ name: 'scan', run: async () => ({ status: 'failed', detail: 'CRITICAL CVE' }) }],
      { image },
      ports,
    )
    const recording = await recordDelivery(
      report,
      {
        repository: '/nonexistent',
        branch: 'main',
        overlay: 'o',
        environment: 'prod',
        sourceDirectory: process.cwd(),
        startedAt: 0,
        rollbackOnFailure: true,
      },
      ports,
    )
    expect(recording).toEqual({
      note: 'no GitOps commit was pushed (scan failed): nothing was deployed, so no delivery record',
    })
  })
})
