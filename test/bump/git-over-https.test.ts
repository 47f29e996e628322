import { afterEach, describe, expect, it } from 'vitest'
import { spawnRunner } from '../../actions/lib/ports'
import {
  type BumpRequest,
  bumpImages,
  defaultIdentity,
} from '../../actions/lib/writeback/bump-images'
import { defaultMessageTemplate } from '../../actions/lib/writeback/commit-message'
import { GitCli } from '../../actions/lib/writeback/git-cli'
import { GitOpsRemote, gitEnv, realPorts } from './git-fixture'
import { GitHttpServer } from './git-http-server'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const overlay = (tag: string) => `images:\n  - name: ${image}\n    newTag: "${tag}"\n`
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function served() {
  const remote = new GitOpsRemote({ 'overlays/dev/kustomization.yaml': overlay('0.1.0') })
  cleanups.push(() => remote.cleanup())
  const server = new GitHttpServer(remote.root, 'gitops-token')
  await server.start()
  cleanups.push(() => server.stop())
  const request: BumpRequest = {
    bumps: [{ image, tag: '0.2.0' }],
    files: [],
    directories: ['overlays/dev'],
    targets: { add: false },
    dryRun: false,
    workspace: remote.root,
    git: {
      repo: `${server.url}/gitops.git`,
      branch: 'main',
      push: true,
      mode: 'commit',
      messageTemplate: defaultMessageTemplate,
      identity: defaultIdentity,
      sign: false,
      maxAttempts: 3,
    },
  }
  return { remote, server, request }
}

describe('git over HTTP with a token (git http-backend on loopback)', () => {
  it('clones and pushes with the token as basic auth', async () => {
    const { remote, server, request } = await served()
    const result = await bumpImages(
      request,
      realPorts({ git: new GitCli(spawnRunner, { token: 'gitops-token' }, gitEnv) }),
    )
    expect(result).toMatchObject({ pushed: true, attempts: 1 })
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(overlay('0.2.0'))
    expect(server.authorizations.length).toBeGreaterThan(1)
  })

  it('fails with one clear error, without prompting, when the token is missing', async () => {
    const { remote, request } = await served()
    const before = remote.tip()
    await expect(bumpImages(request, realPorts())).rejects.toThrow(
      /cannot clone branch 'main' of http:\/\/127\.0\.0\.1:\d+\/gitops\.git/,
    )
    expect(remote.tip()).toBe(before)
  })
})
