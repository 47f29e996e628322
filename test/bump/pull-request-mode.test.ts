import { afterEach, describe, expect, it } from 'vitest'
import { bumpImages, defaultIdentity } from '../../actions/lib/writeback/bump-images'
import { defaultMessageTemplate } from '../../actions/lib/writeback/commit-message'
import { GitHubPullRequests } from '../../actions/lib/writeback/github-pull-requests'
import { GitOpsRemote, realPorts } from './git-fixture'
import { FakeGitHub } from './github-api-server'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const overlay = (tag: string) =>
  `images:\n  - name: golden-path-reference-service\n    newName: ${image}\n    newTag: "${tag}"\n`
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function setup() {
  const remote = new GitOpsRemote({ 'overlays/dev/kustomization.yaml': overlay('0.1.0') })
  cleanups.push(() => remote.cleanup())
  const github = new FakeGitHub('example-org', 'gitops', 'test-token')
  await github.start()
  cleanups.push(() => github.stop())
  const ports = realPorts({
    pullRequests: new GitHubPullRequests({ token: 'test-token', baseUrl: github.baseUrl }),
  })
  const bump = (tag: string) =>
    bumpImages(
      {
        bumps: [{ image, tag }],
        files: ['overlays/dev/kustomization.yaml'],
        directories: [],
        targets: { add: false },
        dryRun: false,
        workspace: remote.root,
        git: {
          repo: remote.bare,
          branch: 'main',
          push: false,
          mode: 'pr',
          messageTemplate: defaultMessageTemplate,
          environment: 'dev',
          identity: defaultIdentity,
          sign: false,
          maxAttempts: 3,
          githubRepository: 'example-org/gitops',
        },
      },
      ports,
    )
  return { remote, github, bump }
}

describe('pull request mode', () => {
  it('pushes golden-path/<env>/<app> and opens one pull request against the branch', async () => {
    const { remote, github, bump } = await setup()
    const mainBefore = remote.tip()
    const result = await bump('0.2.0')
    const branch = 'golden-path/dev/golden-path-reference-service'
    expect(result).toMatchObject({
      changed: true,
      pushed: true,
      pushedRef: `refs/heads/${branch}`,
      prUrl: 'https://github.com/example-org/gitops/pull/1',
    })
    expect(remote.tip()).toBe(mainBefore)
    expect(remote.read('overlays/dev/kustomization.yaml', branch)).toBe(overlay('0.2.0'))
    expect(github.pulls).toEqual([
      expect.objectContaining({
        number: 1,
        head: branch,
        base: 'main',
        title: `deploy(dev): ${image} 0.1.0 → 0.2.0`,
      }),
    ])
    expect(github.pulls[0]?.body).toContain('| `overlays/dev/kustomization.yaml` | 0.1.0 | 0.2.0 |')
    expect(github.requests.map((request) => request.method)).toEqual(['GET', 'POST'])
    expect(github.requests[0]?.url).toContain(`head=${encodeURIComponent(`example-org:${branch}`)}`)
  })

  it('reuses the open pull request on the next bump and moves its branch', async () => {
    const { remote, github, bump } = await setup()
    await bump('0.2.0')
    const result = await bump('0.3.0')
    const branch = 'golden-path/dev/golden-path-reference-service'
    expect(result.prUrl).toBe('https://github.com/example-org/gitops/pull/1')
    expect(github.pulls).toHaveLength(1)
    expect(github.pulls[0]?.title).toBe(`deploy(dev): ${image} 0.1.0 → 0.3.0`)
    expect(remote.read('overlays/dev/kustomization.yaml', branch)).toBe(overlay('0.3.0'))
    expect(github.requests.map((request) => request.method)).toEqual([
      'GET',
      'POST',
      'GET',
      'PATCH',
    ])
  })
})
