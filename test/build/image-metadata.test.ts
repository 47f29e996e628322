import { describe, expect, it } from 'vitest'
import type { GitRevision } from '../../actions/lib/build/git-revision'
import { imageMetadata, semverTags } from '../../actions/lib/build/image-metadata'

const sha = '0123456789abcdef0123456789abcdef01234567'
const commitEpoch = 1_793_613_600 // 2026-11-02T10:00:00Z
const revision = (overrides: Partial<GitRevision> = {}): GitRevision => ({
  sha,
  commitEpoch,
  tags: [],
  sourceUrl: 'https://github.com/example-org/app',
  ...overrides,
})
const base = {
  image: 'ghcr.io/example-org/app',
  extraTags: [],
  labels: {},
  now: Date.parse('2030-01-01T00:00:00Z'),
}

describe('image tags in docker/metadata-action conventions', () => {
  it.each([
    ['a push to main', revision({ branch: 'main' }), [], ['main', 'sha-0123456']],
    [
      'a branch with a slash',
      revision({ branch: 'feature/Login_v2' }),
      [],
      ['feature-Login_v2', 'sha-0123456'],
    ],
    ['a pull request', revision({ pullRequest: 42 }), [], ['pr-42', 'sha-0123456']],
    [
      'a release tag',
      revision({ tags: ['v1.4.2'] }),
      [],
      ['1.4.2', '1.4', '1', 'latest', 'sha-0123456'],
    ],
    [
      'a 0.x release',
      revision({ tags: ['v0.3.0'] }),
      [],
      ['0.3.0', '0.3', 'latest', 'sha-0123456'],
    ],
    ['a pre-release', revision({ tags: ['v2.0.0-rc.1'] }), [], ['2.0.0-rc.1', 'sha-0123456']],
    ['a tag that is not semver', revision({ tags: ['nightly'] }), [], ['sha-0123456']],
    [
      'explicit tags',
      revision({ branch: 'main' }),
      ['stable', 'main'],
      ['main', 'stable', 'sha-0123456'],
    ],
    ['no git repository', undefined, ['dev'], ['dev']],
  ] as const)('%s', (_, rev, extraTags, tags) => {
    const metadata = imageMetadata({ ...base, revision: rev, extraTags: [...extraTags] })
    expect(metadata.tags).toEqual(tags)
    expect(metadata.references).toEqual(tags.map((tag) => `ghcr.io/example-org/app:${tag}`))
  })

  it.each([
    ['v1.2.3', ['1.2.3', '1.2', '1', 'latest']],
    ['1.2.3', ['1.2.3', '1.2', '1', 'latest']],
    ['v1.2.3+build.5', ['1.2.3', '1.2', '1', 'latest']],
    ['v1.2', []],
    ['v01.2.3', []],
  ])('semver tags for git tag %s', (gitTag, expected) => {
    expect(semverTags(gitTag)).toEqual(expected)
  })

  it.each(['has space', '-leading', 'x'.repeat(129)])('rejects the explicit tag %j', (tag) => {
    expect(() => imageMetadata({ ...base, revision: revision(), extraTags: [tag] })).toThrow(
      /invalid --tag/,
    )
  })

  it('needs a tag from somewhere', () => {
    expect(() => imageMetadata({ ...base, revision: undefined })).toThrow(
      'no tag for the image: give --tag, or build inside a git repository',
    )
  })
})

describe('OCI labels', () => {
  it('takes created from the commit date, not the clock, with the other OCI labels', () => {
    const metadata = imageMetadata({
      ...base,
      revision: revision({ tags: ['v1.4.2'] }),
      description: 'Reference service',
      licenses: 'Apache-2.0',
    })
    expect(metadata.labels).toEqual({
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.description': 'Reference service',
      'org.opencontainers.image.source': 'https://github.com/example-org/app',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': '1.4.2',
      'org.opencontainers.image.created': '2026-11-02T10:00:00Z',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    })
    expect(metadata.sourceDateEpoch).toBe(commitEpoch)
    expect(metadata.reproducible).toBe(true)
  })

  it('lets SOURCE_DATE_EPOCH override the commit date', () => {
    const metadata = imageMetadata({
      ...base,
      revision: revision({ branch: 'main' }),
      sourceDateEpoch: '0',
    })
    expect(metadata.labels['org.opencontainers.image.created']).toBe('1970-01-01T00:00:00Z')
    expect(metadata.sourceDateEpoch).toBe(0)
  })

  it('rejects a SOURCE_DATE_EPOCH that is not whole seconds', () => {
    expect(() =>
      imageMetadata({ ...base, revision: revision(), sourceDateEpoch: '2026-11-02' }),
    ).toThrow("invalid SOURCE_DATE_EPOCH '2026-11-02': expected whole seconds since 1970")
  })

  it('falls back to the clock outside git, and says the build is not reproducible', () => {
    const metadata = imageMetadata({ ...base, revision: undefined, extraTags: ['dev'] })
    expect(metadata.labels['org.opencontainers.image.created']).toBe('2030-01-01T00:00:00Z')
    expect(metadata.reproducible).toBe(false)
  })

  it('lets explicit labels win over generated ones', () => {
    const metadata = imageMetadata({
      ...base,
      revision: revision({ branch: 'main' }),
      labels: { 'org.opencontainers.image.title': 'Reference service', team: 'platform' },
    })
    expect(metadata.labels['org.opencontainers.image.title']).toBe('Reference service')
    expect(metadata.labels.team).toBe('platform')
  })
})
