import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureGitOpsRepository } from '../../actions/lib/delivery/gitops-repository'
import { referenceImageRepository } from '../../actions/lib/delivery/local-delivery'
import {
  type LoopbackRegistry,
  startLoopbackRegistry,
} from '../../actions/lib/delivery/loopback-registry'
import { spawnRunner, systemClock } from '../../actions/lib/ports'
import { expectValidRecord } from '../records/record-fixtures'
import type { AppMoment } from '../support/argocd-fixtures'
import { appName } from '../support/argocd-fixtures'
import { scenario } from '../support/argocd-scenarios'
import { ArgoCdSimulator } from '../support/argocd-simulator'
import { freeLoopbackPort as freePort } from '../support/free-port'
import { standinBaseImages } from '../support/standin-images'
import { repositoryRoot } from './workflow-files'

const image = 'example-org/golden-path-reference-service'

function requireTool(command: string, args: string[], install: string): void {
  if (spawnSync(command, args).status !== 0)
    throw new Error(`${command} is not installed; run: ${install}`)
}

function git(gitDir: string, ...args: string[]): string {
  const result = spawnSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}

/**
 * An Argo CD API stand-in (the shared simulator, with the v3.5.1 shapes) whose one
 * application reports whatever is at the tip of the GitOps branch as Synced and
 * Healthy, with the image the overlay pins there: an Argo CD that syncs at once.
 * Nothing can run a cluster here; e2e.yml verifies against a real Argo CD.
 */
function gitopsTipMoment(gitopsPath: string, repository: () => string): AppMoment {
  const tip = () => git(gitopsPath, 'rev-parse', 'refs/heads/main')
  const pinned = () => {
    const overlay = git(
      gitopsPath,
      'show',
      'refs/heads/main:manifests/overlays/dev/kustomization.yaml',
    )
    const digest = /digest:\s*"?(sha256:[0-9a-f]{64})/.exec(overlay)?.[1]
    return digest ? [`${repository()}@${digest}`] : []
  }
  return {
    sync: 'Synced',
    health: 'Healthy',
    tree: 'healthy',
    get revision() {
      return tip()
    },
    get operation() {
      return {
        phase: 'Succeeded' as const,
        revision: tip(),
        message: 'successfully synced (all tasks run)',
      }
    },
    get images() {
      return pinned()
    },
  }
}

/** Runs a command to completion, keeping its combined output. */
function runToEnd(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

describe('deliver.yml in local mode through act', () => {
  let work: string
  let registry: LoopbackRegistry
  let argocd: ArgoCdSimulator
  const argocdToken = 'golden-path-act-test-token'
  let gitopsPath: string
  let seedHead: string
  let run: { code: number | null; output: string }

  beforeAll(async () => {
    requireTool(
      join(homedir(), 'go/bin/act'),
      ['--version'],
      'go install github.com/nektos/act@v0.2.87',
    )
    requireTool('buildah', ['--version'], 'apt-get update && apt-get install -y buildah')
    requireTool('kubectl', ['version', '--client'], 'see https://kubernetes.io/docs/tasks/tools/')
    work = mkdtempSync(join(tmpdir(), 'golden-path-act-'))
    const { build: buildImage, runtime: runtimeImage } = await standinBaseImages()
    registry = await startLoopbackRegistry({
      address: `127.0.0.1:${await freePort()}`,
      storageDir: join(work, 'registry'),
      clock: systemClock,
    })
    gitopsPath = join(work, 'gitops.git')
    const gitops = await ensureGitOpsRepository({
      path: gitopsPath,
      branch: 'main',
      seedManifests: join(repositoryRoot, 'manifests'),
      git: spawnRunner,
      imageRepository: { from: referenceImageRepository, to: `${registry.address}/${image}` },
    })
    seedHead = gitops.head
    argocd = await ArgoCdSimulator.start({
      scenario: scenario('gitops-tip', [
        { atMs: 0, moment: gitopsTipMoment(gitopsPath, () => `${registry.address}/${image}`) },
      ]),
      token: argocdToken,
    })
    run = await runToEnd(
      'node',
      [
        'scripts/act-deliver.mjs',
        '--work',
        work,
        '--registry',
        registry.address,
        '--gitops-repo',
        gitopsPath,
        '--build-arg',
        `BUILD_IMAGE=${buildImage}`,
        '--build-arg',
        `RUNTIME_IMAGE=${runtimeImage}`,
        '--argocd-server',
        argocd.url,
        '--argocd-app',
        appName,
        // As docs/examples/deliver-local.yml: the caller at @v1, both refs mapped to this checkout.
        '--caller-ref',
        'v1',
      ],
      600_000,
      { ARGOCD_AUTH_TOKEN: argocdToken },
    )
  }, 640_000)

  afterAll(async () => {
    await argocd?.close()
    await registry?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('runs every job of the caller workflow to success, reaching the verify step', () => {
    expect(run.output).not.toMatch(/Job failed/)
    for (const job of [
      'preflight',
      'test (local)',
      'build, scan gate, push',
      'validate the GitOps overlay',
      'bump the image in the GitOps repository',
      'verify Argo CD sync',
      'summary',
    ]) {
      expect(run.output).toMatch(
        new RegExp(`golden-path deliver/${job.replace(/[(),]/g, '\\$&')}\\s*\\] 🏁  Job succeeded`),
      )
    }
    expect(run.code).toBe(0)
  })

  it('verified through verify-argo-sync: the bump commit, a refresh, the pushed image, the token', () => {
    const head = git(gitopsPath, 'rev-parse', 'refs/heads/main')
    const gets = argocd.requests.filter(
      (request) => request.path === `/api/v1/applications/${appName}`,
    )
    expect(gets.length).toBeGreaterThan(0)
    expect(gets[0].query.refresh).toBe('normal')
    expect(run.output).toContain(
      `verifying that '${appName}' is Synced and Healthy at ${head.slice(0, 12)}`,
    )
    expect(run.output).not.toContain('verify skipped')
  })

  it('pushed the scanned image to the loopback registry and pinned its digest in the GitOps overlay', async () => {
    const head = git(gitopsPath, 'rev-parse', 'refs/heads/main')
    expect(head).not.toBe(seedHead)
    const overlay = git(gitopsPath, 'show', `${head}:manifests/overlays/dev/kustomization.yaml`)
    const digest = /digest:\s*"?(sha256:[0-9a-f]{64})/.exec(overlay)?.[1]
    expect(digest).toBeDefined()
    const manifest = await fetch(`http://${registry.address}/v2/${image}/manifests/${digest}`, {
      method: 'HEAD',
      headers: {
        Accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
      },
    })
    expect(manifest.status).toBe(200)
    expect(run.output).toContain(`pushed ${digest}, the digest the scan gate passed`)
  })

  it('wrote the delivery record of the bump commit: verified healthy, with the pushed digest', () => {
    const head = git(gitopsPath, 'rev-parse', 'refs/heads/main')
    const record = JSON.parse(
      git(gitopsPath, 'notes', '--ref', 'refs/notes/golden-path', 'show', head),
    )
    expectValidRecord(record)
    const overlay = git(gitopsPath, 'show', `${head}:manifests/overlays/dev/kustomization.yaml`)
    expect(record).toMatchObject({
      trigger: 'delivery',
      outcome: 'healthy',
      verified: true,
      gitops: { commit: head, path: 'manifests/overlays/dev' },
    })
    expect(overlay).toContain(record.image.digest)
    expect(run.output).toMatch(/golden-path deliver\/record the delivery\s*\] 🏁 {2}Job succeeded/)
  })
})
