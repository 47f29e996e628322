import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  affectedOverlays,
  dependencyDirectories,
  discoverOverlays,
} from '../../actions/lib/gitops-review/overlay-discovery'
import {
  defaultNotesRef,
  type GitOpsReview,
  reviewGitOpsChange,
  touchedOverlays,
} from '../../actions/lib/gitops-review/review-change'
import { reviewSummaryMarkdown } from '../../actions/lib/gitops-review/review-summary'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import { requireTools } from '../support/required-tools'
import { deliveryRecord, digests, GitOpsFixture, image } from './gitops-fixture'

const ports = { runner: spawnRunner, logger: nullLogger }

describe('reviewing a GitOps pull request: base and head rendered from real git commits', () => {
  let repo: GitOpsFixture
  beforeEach(() => {
    requireTools({ command: 'kubectl', install: 'see https://kubernetes.io/docs/tasks/tools/' })
    repo = new GitOpsFixture()
  })
  afterEach(() => repo.remove())

  const review = (head: string, options: { overlays?: string[]; base?: string } = {}) =>
    reviewGitOpsChange(
      {
        repository: repo.dir,
        base: 'base' in options ? options.base : repo.base,
        head,
        overlays: options.overlays ?? [],
        promotionOrder: ['dev', 'stage', 'prod'],
        notesRef: defaultNotesRef,
      },
      ports,
    )
  const overlay = (result: GitOpsReview, path: string) =>
    result.overlays.find((candidate) => candidate.path === path)!

  it('finds the overlays, not the base and the component they build on', () => {
    expect(discoverOverlays(repo.dir)).toEqual(['overlays/dev', 'overlays/prod', 'overlays/stage'])
    expect(discoverOverlays(repo.dir, ['overlays/s*'])).toEqual(['overlays/stage'])
    expect(discoverOverlays(repo.dir, ['**/prod'])).toEqual(['overlays/prod'])
  })

  it('knows which directories each overlay builds on, to render only what a change can affect', () => {
    expect(dependencyDirectories(repo.dir, 'overlays/prod')).toEqual([
      'base',
      'components/probes',
      'overlays/prod',
    ])
    const dependencies = new Map(
      discoverOverlays(repo.dir).map((path) => [path, dependencyDirectories(repo.dir, path)]),
    )
    expect([...affectedOverlays(dependencies, ['overlays/dev/kustomization.yaml'])]).toEqual([
      'overlays/dev',
    ])
    expect([...affectedOverlays(dependencies, ['components/probes/kustomization.yaml'])]).toEqual([
      'overlays/prod',
    ])
    // overlays/dev-canary is not inside overlays/dev.
    expect([...affectedOverlays(dependencies, ['overlays/dev-canary/x.yaml'])].sort()).toEqual([
      'overlays/dev',
      'overlays/prod',
      'overlays/stage',
    ])
    expect([...affectedOverlays(dependencies, ['README.md'])]).toHaveLength(3)
  })

  it('a change to a patch file in an overlay’s subdirectory touches that overlay only', async () => {
    mkdirSync(join(repo.dir, 'overlays/prod/patches'))
    repo.write(
      'overlays/prod/patches/replicas.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: payments\nspec:\n  replicas: 3\n',
    )
    const path = 'overlays/prod/kustomization.yaml'
    repo.write(path, `${repo.read(path)}patches:\n  - path: patches/replicas.yaml\n`)
    const withPatch = repo.commit('prod runs 3 replicas')
    repo.write(
      'overlays/prod/patches/replicas.yaml',
      repo.read('overlays/prod/patches/replicas.yaml').replace('replicas: 3', 'replicas: 4'),
    )
    const result = await review(repo.commit('prod runs 4 replicas'), { base: withPatch })
    expect(touchedOverlays(result).map((touched) => touched.path)).toEqual(['overlays/prod'])
    expect(overlay(result, 'overlays/prod').diff?.text).toContain('+  replicas: 4')
  })

  it('a digest bump touches that overlay only, and names old → new digest', async () => {
    repo.pin('stage', digests.next)
    const result = await review(repo.commit('deploy(stage): payments'))
    expect(touchedOverlays(result).map((touched) => touched.path)).toEqual(['overlays/stage'])
    expect(result.changedFiles).toEqual(['overlays/stage/kustomization.yaml'])
    const stage = overlay(result, 'overlays/stage')
    expect(stage).toMatchObject({ environment: 'stage', status: 'changed' })
    expect(stage.images).toEqual([
      expect.objectContaining({
        repository: image,
        old: [`${image}@${digests.current}`],
        new: [`${image}@${digests.next}`],
        oldDigest: digests.current,
        newDigest: digests.next,
      }),
    ])
    expect(stage.diff?.text).toContain(`-      - image: ${image}@${digests.current}`)
    expect(stage.diff?.text).toContain(`+      - image: ${image}@${digests.next}`)
    expect(stage.diff).toMatchObject({ added: 1, removed: 1, tooLarge: false })
    expect(overlay(result, 'overlays/dev').status).toBe('unchanged')
  })

  it('a change to the shared base touches every overlay built on it', async () => {
    repo.write(
      'base/service.yaml',
      repo.read('base/service.yaml').replace('port: 80', 'port: 8081'),
    )
    const result = await review(repo.commit('service on 8081'))
    expect(touchedOverlays(result).map((touched) => touched.path)).toEqual([
      'overlays/dev',
      'overlays/prod',
      'overlays/stage',
    ])
    expect(result.overlays.every((reviewed) => reviewed.images.length === 0)).toBe(true)
  })

  it('a change to a component touches only the overlay that uses it', async () => {
    const component = 'components/probes/kustomization.yaml'
    repo.write(component, repo.read(component).replace('/healthz', '/readyz'))
    const result = await review(repo.commit('readiness on /readyz'))
    expect(touchedOverlays(result).map((touched) => touched.path)).toEqual(['overlays/prod'])
  })

  it('an edit that renders the same (a comment) touches nothing', async () => {
    const path = 'overlays/dev/kustomization.yaml'
    repo.write(path, `# dev runs what main builds\n${repo.read(path)}`)
    const result = await review(repo.commit('comment'))
    expect(touchedOverlays(result)).toEqual([])
    expect(result.changedFiles).toEqual([path])
  })

  it('a new overlay is touched (and validated); a removed one is reported', async () => {
    mkdirSync(join(repo.dir, 'overlays/qa'))
    repo.write(
      'overlays/qa/kustomization.yaml',
      repo.read('overlays/dev/kustomization.yaml').replace('payments-dev', 'payments-qa'),
    )
    rmSync(join(repo.dir, 'overlays/prod'), { recursive: true })
    const result = await review(repo.commit('qa in, prod out'))
    expect(overlay(result, 'overlays/qa')).toMatchObject({
      status: 'added',
      environment: undefined,
    })
    expect(overlay(result, 'overlays/prod').status).toBe('removed')
    expect(touchedOverlays(result).map((touched) => touched.path)).toEqual(['overlays/qa'])
  })

  it('an overlay that no longer renders is touched, with kustomize’s message', async () => {
    const path = 'overlays/dev/kustomization.yaml'
    repo.write(path, repo.read(path).replace('../../base', '../../missing'))
    const result = await review(repo.commit('broken'))
    const dev = overlay(result, 'overlays/dev')
    expect(dev.status).toBe('changed')
    expect(dev.renderError).toMatch(/missing/)
    expect(touchedOverlays(result).map((touched) => touched.path)).toEqual(['overlays/dev'])
  })

  it('without a base, every overlay is new', async () => {
    const result = await review('HEAD', { base: undefined })
    expect(result.overlays.map((reviewed) => reviewed.status)).toEqual(['added', 'added', 'added'])
  })

  it('a base that is not in the checkout is a usage error naming the fix', async () => {
    await expect(review('HEAD', { base: 'd'.repeat(40) })).rejects.toThrow(
      /base 'd{40}' is not a commit of .*; check it out with its history \(actions\/checkout with fetch-depth: 0\)/,
    )
  })

  describe('delivery records of the previous environment', () => {
    const bumpStage = async () => {
      repo.pin('stage', digests.next)
      return review(repo.commit('deploy(stage): payments'))
    }
    const stageVerdict = (result: GitOpsReview) =>
      overlay(result, 'overlays/stage').images[0]?.previousEnvironment

    it('no notes ref: says there are no records', async () => {
      expect(stageVerdict(await bumpStage())).toEqual({ status: 'no-records' })
    })

    it('a healthy delivery of the digest to dev: delivered and verified', async () => {
      const record = deliveryRecord({
        environment: 'dev',
        digest: digests.next,
        outcome: 'healthy',
        commit: repo.base,
      })
      repo.note(repo.base, JSON.stringify(record))
      const result = await bumpStage()
      expect(result.recordsFound).toBe(true)
      expect(stageVerdict(result)).toMatchObject({
        status: 'verified',
        environment: 'dev',
        record: { gitopsCommit: repo.base, healthyAt: '2026-11-02T10:05:00Z' },
      })
    })

    it('the latest record decides: a rollback after a healthy delivery is a failure', async () => {
      const healthy = repo.base
      const later = repo.commit('another dev delivery')
      repo.note(
        healthy,
        JSON.stringify(
          deliveryRecord({
            environment: 'dev',
            digest: digests.next,
            outcome: 'healthy',
            commit: healthy,
          }),
        ),
      )
      repo.note(
        later,
        JSON.stringify(
          deliveryRecord({
            environment: 'dev',
            digest: digests.next,
            outcome: 'rolled-back',
            commit: later,
            finishedAt: '2026-11-03T08:00:00Z',
          }),
        ),
      )
      expect(stageVerdict(await bumpStage())).toMatchObject({
        status: 'failed',
        environment: 'dev',
        record: { outcome: 'rolled-back', gitopsCommit: later },
      })
    })

    it('records of another digest or environment do not count', async () => {
      repo.note(
        repo.base,
        JSON.stringify(
          deliveryRecord({
            environment: 'dev',
            digest: digests.other,
            outcome: 'healthy',
            commit: repo.base,
          }),
        ),
      )
      expect(stageVerdict(await bumpStage())).toEqual({
        status: 'not-delivered',
        environment: 'dev',
      })
    })

    it('notes that are not records are skipped; appended records are read', async () => {
      const first = repo.base
      const second = repo.commit('second')
      repo.note(first, 'deployed by hand, see ticket 42')
      const record = deliveryRecord({
        environment: 'dev',
        digest: digests.next,
        outcome: 'healthy',
        commit: second,
      })
      // Two documents joined by a blank line, the way `git notes append` writes them.
      repo.note(
        second,
        `${JSON.stringify({ kind: 'Other', environment: 'dev' })}\n\n${JSON.stringify(record, null, 2)}`,
      )
      expect(stageVerdict(await bumpStage())).toMatchObject({ status: 'verified' })
    })

    it('dev is first: nothing before it', async () => {
      repo.note(repo.base, '{}')
      repo.pin('dev', digests.next)
      const result = await review(repo.commit('deploy(dev): payments'))
      expect(overlay(result, 'overlays/dev').images[0]?.previousEnvironment).toEqual({
        status: 'first-environment',
      })
    })

    it('the job summary calls out the image change and the previous environment', async () => {
      repo.note(
        repo.base,
        JSON.stringify(
          deliveryRecord({
            environment: 'dev',
            digest: digests.next,
            outcome: 'healthy',
            commit: repo.base,
          }),
        ),
      )
      repo.pin('stage', digests.next)
      repo.pin('prod', digests.next)
      const result = await review(repo.commit('deploy(stage, prod): payments'))
      const markdown = reviewSummaryMarkdown(result, defaultNotesRef)
      expect(markdown).toContain('## GitOps change: 2 of 3 overlay(s) touched')
      expect(markdown).toContain('| `overlays/stage` | stage | changed (+1 −1) | 1 |')
      expect(markdown).toContain('| `overlays/dev` | dev | unchanged | — |')
      const short = (digest: string) => `\`${digest.slice(0, 19)}…\``
      expect(markdown).toContain(
        `| \`overlays/stage\` | \`${image}\` | ${short(digests.current)} → ${short(digests.next)} | ✅ delivered to dev and verified healthy at 2026-11-02T10:05:00Z (GitOps commit \`${repo.base.slice(0, 7)}\`) |`,
      )
      expect(markdown).toContain(
        `| \`overlays/prod\` | \`${image}\` | ${short(digests.current)} → ${short(digests.next)} | ⚠️ no delivery of this digest to stage is recorded |`,
      )
      expect(markdown).toContain('### `overlays/stage` (stage): changed')
      expect(markdown).toContain('```diff\n--- a/overlays/stage\n+++ b/overlays/stage\n')
    })
  })
})
