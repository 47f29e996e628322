import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readGitRevision, remoteToWebUrl } from '../../actions/lib/build/git-revision'
import { spawnRunner } from '../../actions/lib/ports'
import { commitFiles, git } from '../support/git-project'

describe('the source URL from a git remote', () => {
  it.each([
    ['git@github.com:example-org/app.git', 'https://github.com/example-org/app'],
    ['https://github.com/example-org/app.git', 'https://github.com/example-org/app'],
    ['https://token@github.com/example-org/app', 'https://github.com/example-org/app'],
    ['ssh://git@gitlab.example.com/group/app.git', 'https://gitlab.example.com/group/app'],
    ['/srv/git/app.git', undefined],
  ])('%s -> %s', (remote, url) => {
    expect(remoteToWebUrl(remote)).toBe(url)
  })
})

describe('the revision being built', () => {
  let dir: string
  let sha: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-revision-'))
    sha = commitFiles(dir, { 'README.md': 'app\n' }, 'first', '2026-11-02T10:00:00Z')
    git(dir, ['tag', 'v1.4.2'])
    git(dir, ['remote', 'add', 'origin', 'git@github.com:example-org/app.git'])
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads commit, committer date, branch, tags and origin from the repository', async () => {
    expect(await readGitRevision(dir, {}, spawnRunner)).toEqual({
      sha,
      commitEpoch: Date.parse('2026-11-02T10:00:00Z') / 1000,
      branch: 'main',
      tags: ['v1.4.2'],
      pullRequest: undefined,
      sourceUrl: 'https://github.com/example-org/app',
    })
  })

  it.each([
    ['refs/pull/42/merge', { pullRequest: 42, branch: undefined, tags: [] }],
    ['refs/tags/v2.0.0', { tags: ['v2.0.0'], branch: undefined }],
    ['refs/heads/release/2', { branch: 'release/2', tags: [] }],
  ])('follows the GitHub Actions environment for %s', async (ref, expected) => {
    const revision = await readGitRevision(
      dir,
      {
        GITHUB_SHA: sha,
        GITHUB_REF: ref,
        GITHUB_SERVER_URL: 'https://github.example.com',
        GITHUB_REPOSITORY: 'example-org/app',
      },
      spawnRunner,
    )
    expect(revision).toMatchObject({
      sha,
      sourceUrl: 'https://github.example.com/example-org/app',
      ...expected,
    })
  })

  it('returns nothing outside a git repository', async () => {
    expect(await readGitRevision(tmpdir(), {}, spawnRunner)).toBeUndefined()
  })
})
