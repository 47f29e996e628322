import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import type { DeliveryRecord } from '../../actions/lib/records/delivery-record'
import { GitNotesRecordStore } from '../../actions/lib/records/git-notes-records'
import { runCli } from '../support/cli-io'
import { commitFiles, git, gitEnv } from '../support/git-project'
import { digestOf, expectValidRecord, sketchRecord } from './record-fixtures'

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

const image = 'ghcr.io/acme/payments'
const overlay = (digest: string, replicas: number) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
replicas:
  - name: payments
    count: ${replicas} # capacity, set by hand
images:
  - name: ${image}
    digest: "${digest}" # pinned by golden-path
`
const ports = {
  runner: spawnRunner,
  clock: systemClock,
  logger: nullLogger,
  random: Math.random,
  env: gitEnv(),
}

/**
 * A GitOps repository where D1 was delivered healthy, D2 failed, and then someone
 * raised the replicas by hand: the rollback must restore D1 and keep the 5 replicas.
 */
async function failedDelivery(options: { healthyFirst?: boolean; deployment?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'golden-path-rollback-test-'))
  roots.push(root)
  const work = join(root, 'work')
  const path = 'overlays/prod/kustomization.yaml'
  const c1 = commitFiles(
    work,
    {
      [path]: overlay(digestOf(1), 3),
      'overlays/prod/deployment.yaml': options.deployment ?? 'kind: Deployment\n',
    },
    'deliver D1',
  )
  const c2 = commitFiles(work, { [path]: overlay(digestOf(2), 3) }, 'deliver D2')
  commitFiles(work, { [path]: overlay(digestOf(2), 5) }, 'capacity: 5 replicas')
  const bare = join(root, 'gitops.git')
  git(root, ['clone', '--quiet', '--bare', work, bare])
  const store = new GitNotesRecordStore(bare, ports)
  const healthy = {
    ...sketchRecord({ n: 1, startedAt: '2026-11-01T09:00:00Z', healthyAt: '2026-11-01T09:05:00Z' }),
  }
  healthy.gitops = { ...healthy.gitops, commit: c1 }
  const failed = sketchRecord({
    n: 2,
    outcome: 'failed',
    startedAt: '2026-11-02T09:00:00Z',
    finishedAt: '2026-11-02T09:10:00Z',
  })
  failed.gitops = { ...failed.gitops, commit: c2 }
  if (options.healthyFirst !== false) await store.write(healthy)
  await store.write(failed)
  return { root, bare, path, c2, store }
}

const notes = async (store: GitNotesRecordStore) =>
  Object.fromEntries(
    (await store.readAll()).map((note) => [note.commit, note.record as DeliveryRecord]),
  )

describe('golden-path rollback', () => {
  it('restores only the image value, pushes, records the rollback and marks the failure rolled-back', async () => {
    const { bare, path, c2, store, root } = await failedDelivery()
    const run = await runCli(
      [
        'rollback',
        '--repo',
        bare,
        '--branch',
        'main',
        '--path',
        'overlays/prod',
        '--environment',
        'prod',
        '--push',
        '--output',
        'json',
      ],
      root,
      gitEnv(),
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(Object.keys(result)).toEqual(['commit', 'restoredDigest', 'from'])
    expect(result).toMatchObject({ restoredDigest: digestOf(1), from: digestOf(2) })
    expect(git(bare, ['rev-parse', 'main'])).toBe(result.commit)
    // Byte-exact: the hand-made capacity change and every comment stay.
    expect(git(bare, ['show', `main:${path}`])).toBe(overlay(digestOf(1), 5).trimEnd())
    const records = await notes(store)
    const rollback = records[result.commit]!
    expectValidRecord(rollback)
    expect(rollback).toMatchObject({
      trigger: 'rollback',
      environment: 'prod',
      outcome: 'healthy',
      image: { name: image, digest: digestOf(1) },
      gitops: { path: 'overlays/prod', commit: result.commit },
    })
    const marked = records[c2]!
    expectValidRecord(marked)
    expect(marked).toMatchObject({
      outcome: 'rolled-back',
      failure: { step: 'verify' },
      rollback: { commit: result.commit, restoredDigest: digestOf(1) },
    })
  }, 60_000)

  it("puts the pin back in the kustomization's images entry and leaves the resource's reference, which kustomize rewrites", async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
spec:
  template:
    spec:
      containers:
        - name: payments
          image: ${image}
`
    const { bare, path, root } = await failedDelivery({ deployment })
    const run = await runCli(
      ['rollback', '--repo', bare, '--branch', 'main', '--path', 'overlays/prod'].concat([
        '--environment',
        'prod',
        '--push',
        '--output',
        'json',
      ]),
      root,
      gitEnv(),
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ restoredDigest: digestOf(1), from: digestOf(2) })
    expect(git(bare, ['show', `main:${path}`])).toBe(overlay(digestOf(1), 5).trimEnd())
    expect(git(bare, ['show', 'main:overlays/prod/deployment.yaml'])).toBe(deployment.trimEnd())
  })

  it('restores the digest given with --to-digest', async () => {
    const { bare, path, root } = await failedDelivery()
    const run = await runCli(
      [
        'rollback',
        '--repo',
        bare,
        '--branch',
        'main',
        '--path',
        'overlays/prod',
        '--environment',
        'prod',
        '--to-digest',
        digestOf(7),
        '--push',
        '--output',
        'json',
      ],
      root,
      gitEnv(),
    )
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ restoredDigest: digestOf(7), from: digestOf(2) })
    expect(git(bare, ['show', `main:${path}`])).toContain(`digest: "${digestOf(7)}"`)
  }, 60_000)

  it('exits 1 and pushes nothing when nothing healthy came before the failure', async () => {
    const { bare, store, root } = await failedDelivery({ healthyFirst: false })
    const head = git(bare, ['rev-parse', 'main'])
    const before = await notes(store)
    const run = await runCli(
      [
        'rollback',
        '--repo',
        bare,
        '--branch',
        'main',
        '--path',
        'overlays/prod',
        '--environment',
        'prod',
        '--push',
      ],
      root,
      gitEnv(),
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^golden-path rollback: nothing healthy to go back to.*nothing pushed\n$/,
    )
    expect(git(bare, ['rev-parse', 'main'])).toBe(head)
    expect(await notes(store)).toEqual(before)
  }, 60_000)

  it('exits 1 and pushes nothing when someone changed the image since the failure', async () => {
    const { bare, path, store, root } = await failedDelivery()
    const other = join(root, 'other')
    git(root, ['clone', '--quiet', bare, other])
    commitFiles(other, { [path]: overlay(digestOf(3), 5) }, 'hotfix D3 by hand')
    git(other, ['push', '--quiet', 'origin', 'HEAD:main'])
    const head = git(bare, ['rev-parse', 'main'])
    const before = await notes(store)
    const run = await runCli(
      [
        'rollback',
        '--repo',
        bare,
        '--branch',
        'main',
        '--path',
        'overlays/prod',
        '--environment',
        'prod',
        '--push',
      ],
      root,
      gitEnv(),
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`pins ${digestOf(3)}`)
    expect(run.stderr).toContain('someone changed it since; nothing pushed')
    expect(git(bare, ['rev-parse', 'main'])).toBe(head)
    expect(await notes(store)).toEqual(before)
  }, 60_000)

  it('names a missing flag in one line with exit 2', async () => {
    const run = await runCli(
      ['rollback', '--repo', 'x', '--branch', 'main', '--environment', 'prod'],
      process.cwd(),
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--path is required/)
  })
})
