import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type BumpRequest,
  bumpImages,
  defaultIdentity,
} from '../../actions/lib/writeback/bump-images'
import { defaultMessageTemplate } from '../../actions/lib/writeback/commit-message'
import type { GitPort } from '../../actions/lib/writeback/git-port'
import { WriteBackFailure } from '../../actions/lib/writeback/write-back-failure'
import { GitOpsRemote, git, realPorts } from './git-fixture'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const overlay = (tag: string, extra = '') =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n${extra}images:\n  - name: golden-path-reference-service\n    newName: ${image}\n    newTag: "${tag}" # written by golden-path\n`
const layout = {
  'overlays/dev/kustomization.yaml': overlay('0.1.0'),
  'overlays/prod/kustomization.yaml': overlay('0.1.0'),
  'README.md': '# gitops\n',
}

const remotes: GitOpsRemote[] = []
const scratch: string[] = []
afterEach(() => {
  for (const remote of remotes.splice(0)) remote.cleanup()
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function remoteWith(files: Record<string, string> = layout): GitOpsRemote {
  const remote = new GitOpsRemote(files)
  remotes.push(remote)
  return remote
}

function request(
  remote: GitOpsRemote,
  overrides: Partial<BumpRequest> = {},
  git: Partial<NonNullable<BumpRequest['git']>> = {},
): BumpRequest {
  return {
    bumps: [{ image, tag: '0.2.0' }],
    files: [],
    directories: ['overlays/dev'],
    targets: { add: false },
    dryRun: false,
    workspace: remote.root,
    git: {
      repo: remote.bare,
      branch: 'main',
      push: true,
      mode: 'commit',
      messageTemplate: defaultMessageTemplate,
      environment: 'dev',
      sourceCommit: '1234567890abcdef1234567890abcdef12345678',
      identity: defaultIdentity,
      sign: false,
      maxAttempts: 5,
      ...git,
    },
    ...overrides,
  }
}

/** The real git port, with `beforePush` run once just before the first push. */
function racing(beforePush: () => void): GitPort {
  const inner = realPorts().git
  let fired = false
  return {
    isWorkTree: (path) => inner.isWorkTree(path),
    clone: (...args) => inner.clone(...args),
    head: (directory) => inner.head(directory),
    currentBranch: (directory) => inner.currentBranch(directory),
    isClean: (directory) => inner.isClean(directory),
    resetToRemote: (directory, branch) => inner.resetToRemote(directory, branch),
    resetHard: (directory, revision) => inner.resetHard(directory, revision),
    commit: (...args) => inner.commit(...args),
    push: (directory, ref, options) => {
      if (!fired) {
        fired = true
        beforePush()
      }
      return inner.push(directory, ref, options)
    },
  }
}

describe('git write-back', () => {
  it('commits only the changed value with the templated message and trailers, and pushes', async () => {
    const remote = remoteWith()
    const before = remote.tip()
    const result = await bumpImages(request(remote), realPorts())
    expect(result).toMatchObject({
      changed: true,
      pushed: true,
      attempts: 1,
      pushedRef: 'refs/heads/main',
    })
    expect(result.files).toEqual([
      { file: 'overlays/dev/kustomization.yaml', old: '0.1.0', new: '0.2.0' },
    ])
    expect(remote.tip()).toBe(result.commit)
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(overlay('0.2.0'))
    expect(remote.read('overlays/prod/kustomization.yaml')).toBe(overlay('0.1.0'))
    expect(git(remote.root, '--git-dir', remote.bare, 'diff', '--name-only', before, 'main')).toBe(
      'overlays/dev/kustomization.yaml\n',
    )
    expect(remote.log('%B', 'main')[0]).toBe(`deploy(dev): ${image} 0.1.0 → 0.2.0`)
    expect(git(remote.root, '--git-dir', remote.bare, 'log', '-1', '--format=%B', 'main')).toBe(
      `deploy(dev): ${image} 0.1.0 → 0.2.0\n\nGolden-Path-Image: ${image}:0.2.0\nGolden-Path-Source-Commit: 1234567890abcdef1234567890abcdef12345678\n\n`,
    )
    expect(remote.log('%an <%ae>|%cn <%ce>')[0]).toBe(
      `${defaultIdentity.name} <${defaultIdentity.email}>|${defaultIdentity.name} <${defaultIdentity.email}>`,
    )
  })

  it('records the digest trailer, a custom template and a custom author', async () => {
    const remote = remoteWith()
    const digest = `sha256:${'0f'.repeat(32)}`
    await bumpImages(
      request(
        remote,
        { bumps: [{ image, tag: '0.2.0', digest }] },
        {
          messageTemplate: 'chore({env}): {app} to {new}',
          app: 'svc',
          identity: { name: 'Release Bot', email: 'release@example.test' },
        },
      ),
      realPorts(),
    )
    const message = git(remote.root, '--git-dir', remote.bare, 'log', '-1', '--format=%B', 'main')
    expect(message).toBe(
      `chore(dev): svc to 0.2.0@${digest}\n\nGolden-Path-Image: ${image}:0.2.0@${digest}\nGolden-Path-Digest: ${digest}\nGolden-Path-Source-Commit: 1234567890abcdef1234567890abcdef12345678\n\n`,
    )
    expect(remote.log('%an <%ae>')[0]).toBe('Release Bot <release@example.test>')
  })

  it('makes no commit when the value is already current', async () => {
    const remote = remoteWith()
    const before = remote.tip()
    const result = await bumpImages(
      request(remote, { bumps: [{ image, tag: '0.1.0' }] }),
      realPorts(),
    )
    expect(result).toMatchObject({ changed: false, commit: null, pushed: false, files: [] })
    expect(remote.tip()).toBe(before)
  })

  it('makes one commit for several images and apps', async () => {
    const remote = remoteWith({
      ...layout,
      'apps/api/values.yaml': `image:\n  repository: ghcr.io/example-org/api\n  tag: 1.0.0\n`,
    })
    const before = remote.tip()
    const result = await bumpImages(
      request(remote, {
        bumps: [
          { image, tag: '0.2.0' },
          { image: 'ghcr.io/example-org/api', tag: '1.1.0' },
        ],
        directories: ['overlays', 'apps'],
      }),
      realPorts(),
    )
    expect(result.files).toHaveLength(3)
    expect(remote.log('%H', `${before}..main`)).toEqual([result.commit])
    expect(remote.read('apps/api/values.yaml')).toContain('tag: 1.1.0')
  })

  it('re-applies the edit on the new tip when another writer pushed first, keeping their change', async () => {
    const remote = remoteWith()
    const other = overlay('0.1.0', 'namespace: dev # added by someone else\n')
    const ports = realPorts({
      git: racing(() =>
        remote.commitAsOther({ 'overlays/dev/kustomization.yaml': other }, 'set namespace'),
      ),
    })
    const result = await bumpImages(request(remote), ports)
    expect(result).toMatchObject({ pushed: true, attempts: 2 })
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(
      overlay('0.2.0', 'namespace: dev # added by someone else\n'),
    )
    expect(remote.log()).toEqual([
      `deploy(dev): ${image} 0.1.0 → 0.2.0`,
      'set namespace',
      'initial layout',
    ])
  })

  it('retries when a pre-receive hook lets another writer land first (ref lock lost)', async () => {
    const remote = remoteWith()
    const other = remote.prepareOther(
      { 'overlays/prod/kustomization.yaml': overlay('0.1.5') },
      'prod to 0.1.5',
    )
    remote.hook(
      `if [ ! -e "${remote.root}/raced" ]; then\n  touch "${remote.root}/raced"\n  env -i PATH="$PATH" GIT_CONFIG_GLOBAL=/dev/null git -C "${other}" push -q origin HEAD:refs/heads/main >&2\nfi\nexit 0`,
    )
    const result = await bumpImages(request(remote), realPorts())
    expect(result).toMatchObject({ pushed: true, attempts: 2 })
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(overlay('0.2.0'))
    expect(remote.read('overlays/prod/kustomization.yaml')).toBe(overlay('0.1.5'))
  })

  it('reports a conflict and overwrites nothing when another writer moved the same value elsewhere', async () => {
    const remote = remoteWith()
    const ports = realPorts({
      git: racing(() =>
        remote.commitAsOther(
          { 'overlays/dev/kustomization.yaml': overlay('0.3.0') },
          'dev to 0.3.0',
        ),
      ),
    })
    const error = await bumpImages(request(remote), ports).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WriteBackFailure)
    expect(String(error)).toMatch(
      /conflict.*overlays\/dev\/kustomization.yaml.*changed to 0\.3\.0.*expected 0\.1\.0, wanted 0\.2\.0/,
    )
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(overlay('0.3.0'))
    expect(remote.log()[0]).toBe('dev to 0.3.0')
  })

  it('adds no second commit when another writer already moved the value to ours', async () => {
    const remote = remoteWith()
    const ports = realPorts({
      git: racing(() =>
        remote.commitAsOther(
          { 'overlays/dev/kustomization.yaml': overlay('0.2.0') },
          'dev to 0.2.0',
        ),
      ),
    })
    const result = await bumpImages(request(remote), ports)
    expect(result).toMatchObject({ changed: false, pushed: false, attempts: 2 })
    expect(remote.log()).toEqual(['dev to 0.2.0', 'initial layout'])
  })

  it('lands every one of several concurrent bumps of different apps on one branch', async () => {
    const apps = Array.from({ length: 8 }, (_, index) => `app-${index}`)
    const remote = remoteWith(
      Object.fromEntries(apps.map((app) => [`apps/${app}/kustomization.yaml`, overlay('0.1.0')])),
    )
    const results = await Promise.all(
      apps.map((app) =>
        bumpImages(
          request(remote, { directories: [`apps/${app}`] }, { maxAttempts: 20, environment: app }),
          realPorts({
            random: Math.random,
            clock: { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
          }),
        ),
      ),
    )
    expect(results.every((result) => result.pushed)).toBe(true)
    for (const app of apps)
      expect(remote.read(`apps/${app}/kustomization.yaml`)).toBe(overlay('0.2.0'))
    expect(remote.log()).toHaveLength(apps.length + 1)
  })

  it('surfaces the message of a hook that always rejects and leaves the checkout clean', async () => {
    const remote = remoteWith()
    remote.hook('echo "deploys to main are frozen until Monday" >&2\nexit 1')
    const checkout = join(remote.root, 'checkout')
    git(remote.root, 'clone', '--quiet', remote.bare, checkout)
    const before = git(checkout, 'rev-parse', 'HEAD')
    const error = await bumpImages(request(remote, {}, { repo: checkout }), realPorts()).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(WriteBackFailure)
    expect(String(error)).toMatch(
      /rejected by the remote: pre-receive hook declined: deploys to main are frozen until Monday/,
    )
    expect(git(checkout, 'rev-parse', 'HEAD')).toBe(before)
    expect(git(checkout, 'status', '--porcelain')).toBe('')
    expect(readFileSync(join(checkout, 'overlays/dev/kustomization.yaml'), 'utf8')).toBe(
      overlay('0.1.0'),
    )
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(overlay('0.1.0'))
  })

  it('refuses a checkout with uncommitted changes', async () => {
    const remote = remoteWith()
    const checkout = join(remote.root, 'checkout')
    git(remote.root, 'clone', '--quiet', remote.bare, checkout)
    writeFileSync(join(checkout, 'README.md'), 'edited\n')
    await expect(bumpImages(request(remote, {}, { repo: checkout }), realPorts())).rejects.toThrow(
      /uncommitted changes/,
    )
  })

  it('refuses a checkout of another branch, which a retry would reset', async () => {
    const remote = remoteWith()
    const checkout = join(remote.root, 'checkout')
    git(remote.root, 'clone', '--quiet', remote.bare, checkout)
    git(checkout, 'switch', '--quiet', '-c', 'feature')
    await expect(bumpImages(request(remote, {}, { repo: checkout }), realPorts())).rejects.toThrow(
      /has branch 'feature' checked out, not 'main'/,
    )
  })

  it('commits and pushes from a checkout used in place', async () => {
    const remote = remoteWith()
    const checkout = join(remote.root, 'checkout')
    git(remote.root, 'clone', '--quiet', remote.bare, checkout)
    remote.commitAsOther({ 'README.md': '# moved on\n' }, 'someone else')
    const result = await bumpImages(request(remote, {}, { repo: checkout }), realPorts())
    expect(result).toMatchObject({ pushed: true, attempts: 2 })
    expect(git(checkout, 'rev-parse', 'HEAD').trim()).toBe(remote.tip())
    expect(remote.read('README.md')).toBe('# moved on\n')
    expect(remote.read('overlays/dev/kustomization.yaml')).toBe(overlay('0.2.0'))
  })

  it.each([
    [{ files: ['../outside.yaml'], directories: [] }, /outside the repository/],
    [{ files: ['/etc/hosts'], directories: [] }, /outside the repository/],
  ])('refuses a path outside the repository %j', async (paths, message) => {
    const remote = remoteWith()
    await expect(bumpImages(request(remote, paths), realPorts())).rejects.toThrow(message)
  })

  it('refuses a symlink that points outside the repository, writing nothing', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'golden-path-outside-'))
    scratch.push(outside)
    writeFileSync(join(outside, 'kustomization.yaml'), overlay('0.1.0'))
    const workspace = mkdtempSync(join(tmpdir(), 'golden-path-workspace-'))
    scratch.push(workspace)
    symlinkSync(join(outside, 'kustomization.yaml'), join(workspace, 'kustomization.yaml'))
    const local: BumpRequest = {
      bumps: [{ image, tag: '0.2.0' }],
      files: [],
      directories: ['.'],
      targets: { add: false },
      dryRun: false,
      workspace,
    }
    await expect(bumpImages(local, realPorts())).rejects.toThrow(
      /symlink .* outside the repository/,
    )
    await expect(
      bumpImages({ ...local, files: ['kustomization.yaml'], directories: [] }, realPorts()),
    ).rejects.toThrow(/symlink .* outside the repository/)
    expect(readFileSync(join(outside, 'kustomization.yaml'), 'utf8')).toBe(overlay('0.1.0'))
  })

  it('fails with exit-1 semantics when the image is in none of the files, writing nothing', async () => {
    const remote = remoteWith()
    const before = remote.tip()
    const error = await bumpImages(
      request(remote, { bumps: [{ image: 'ghcr.io/example-org/typo', tag: '1' }] }),
      realPorts(),
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WriteBackFailure)
    expect(String(error)).toMatch(/ghcr.io\/example-org\/typo not found/)
    expect(remote.tip()).toBe(before)
  })

  it('prints a diff and pushes nothing on a dry run', async () => {
    const remote = remoteWith()
    const before = remote.tip()
    const result = await bumpImages(request(remote, { dryRun: true }), realPorts())
    expect(result).toMatchObject({ changed: true, commit: null, pushed: false })
    expect(result.diff).toBe(
      '--- a/overlays/dev/kustomization.yaml\n+++ b/overlays/dev/kustomization.yaml\n@@ -5,4 +5,4 @@\n images:\n   - name: golden-path-reference-service\n     newName: ghcr.io/example-org/golden-path-reference-service\n-    newTag: "0.1.0" # written by golden-path\n+    newTag: "0.2.0" # written by golden-path\n',
    )
    expect(remote.tip()).toBe(before)
  })
})
