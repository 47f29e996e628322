import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureGitOpsRepository } from '../../actions/lib/delivery/gitops-repository'
import { spawnRunner } from '../../actions/lib/ports'

const fixtureManifests = new URL('./fixtures/manifests', import.meta.url).pathname

function git(...args: string[]): string {
  const result = spawnSync('git', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}

describe('GitOps repository on disk (real git)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-gitops-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('seeds a bare repository with manifests/ on first use', async () => {
    const path = join(dir, 'state', 'gitops.git')
    const repository = await ensureGitOpsRepository({
      path,
      branch: 'main',
      seedManifests: fixtureManifests,
      git: spawnRunner,
    })
    expect(repository.seeded).toBe(true)
    expect(git('--git-dir', path, 'rev-parse', '--is-bare-repository')).toBe('true')
    expect(repository.head).toBe(git('--git-dir', path, 'rev-parse', 'refs/heads/main'))
    expect(git('--git-dir', path, 'ls-tree', '-r', '--name-only', 'main').split('\n')).toEqual([
      'manifests/base/deployment.yaml',
      'manifests/base/kustomization.yaml',
      'manifests/overlays/dev/kustomization.yaml',
    ])
    const clone = join(dir, 'clone')
    git('clone', '--quiet', path, clone)
    const rendered = spawnSync('kubectl', ['kustomize', join(clone, 'manifests/overlays/dev')], {
      encoding: 'utf8',
    })
    expect(rendered.stdout).toContain(
      'image: ghcr.io/example-org/golden-path-reference-service:0.1.0',
    )
    expect(readdirSync(join(dir, 'state'))).toEqual(['gitops.git'])
  })

  it('names the local registry in the seeded overlays when asked, and changes nothing else', async () => {
    const path = join(dir, 'gitops.git')
    await ensureGitOpsRepository({
      path,
      branch: 'main',
      seedManifests: fixtureManifests,
      git: spawnRunner,
      imageRepository: {
        from: 'ghcr.io/example-org/golden-path-reference-service',
        to: '127.0.0.1:5050/example-org/golden-path-reference-service',
      },
    })
    const overlay = git('--git-dir', path, 'show', 'main:manifests/overlays/dev/kustomization.yaml')
    expect(overlay).toBe(
      readFileSync(join(fixtureManifests, 'overlays/dev/kustomization.yaml'), 'utf8')
        .replace('newName: ghcr.io/', 'newName: 127.0.0.1:5050/')
        .trimEnd(),
    )
    expect(git('--git-dir', path, 'show', 'main:manifests/base/deployment.yaml')).toBe(
      readFileSync(join(fixtureManifests, 'base/deployment.yaml'), 'utf8').trimEnd(),
    )
  })

  it('reuses an existing repository as it is, history included', async () => {
    const path = join(dir, 'gitops.git')
    const options = { path, branch: 'main', seedManifests: fixtureManifests, git: spawnRunner }
    const first = await ensureGitOpsRepository(options)
    const clone = join(dir, 'clone')
    git('clone', '--quiet', path, clone)
    writeFileSync(join(clone, 'manifests/NOTE'), 'a later commit\n')
    git('-C', clone, 'add', '.')
    git(
      '-C',
      clone,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '--quiet',
      '-m',
      'later',
    )
    git('-C', clone, 'push', '--quiet', 'origin', 'HEAD:main')
    const second = await ensureGitOpsRepository(options)
    expect(second.seeded).toBe(false)
    expect(second.head).not.toBe(first.head)
    expect(second.head).toBe(git('-C', clone, 'rev-parse', 'HEAD'))
  })

  it('refuses a path that is not a bare repository', async () => {
    const path = join(dir, 'not-a-repo')
    mkdirSync(path)
    await expect(
      ensureGitOpsRepository({
        path,
        branch: 'main',
        seedManifests: fixtureManifests,
        git: spawnRunner,
      }),
    ).rejects.toThrow(`GitOps repository '${path}' exists but is not a bare git repository`)
  })

  it('refuses a repository without the branch', async () => {
    const path = join(dir, 'gitops.git')
    await ensureGitOpsRepository({
      path,
      branch: 'main',
      seedManifests: fixtureManifests,
      git: spawnRunner,
    })
    await expect(
      ensureGitOpsRepository({
        path,
        branch: 'deploy',
        seedManifests: fixtureManifests,
        git: spawnRunner,
      }),
    ).rejects.toThrow(`GitOps repository '${path}' has no branch 'deploy'`)
  })

  it('refuses to seed from a directory without overlays and leaves nothing behind', async () => {
    const path = join(dir, 'gitops.git')
    const empty = join(dir, 'empty')
    mkdirSync(empty)
    await expect(
      ensureGitOpsRepository({ path, branch: 'main', seedManifests: empty, git: spawnRunner }),
    ).rejects.toThrow(`cannot seed the GitOps repository: '${empty}' has no overlays/ directory`)
    expect(existsSync(path)).toBe(false)
    expect(readdirSync(dir)).toEqual(['empty'])
  })
})
