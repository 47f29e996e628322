import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../cli/src/main'
import { GitOpsRemote, gitEnv } from './git-fixture'
import { FakeGitHub } from './github-api-server'

const image = 'ghcr.io/example-org/golden-path-reference-service'
const overlay = (tag: string) =>
  `images:\n  - name: golden-path-reference-service\n    newName: ${image}\n    newTag: "${tag}"\n`

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-cli-'))
  dirs.push(dir)
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text)
  return dir
}

async function cli(cwd: string, ...args: string[]) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk) => out.push(String(chunk)))
  stderr.on('data', (chunk) => err.push(String(chunk)))
  const code = await main(['bump', ...args], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: gitEnv,
    cwd,
  })
  return { code, stdout: out.join(''), stderr: err.join('') }
}

describe('golden-path bump', () => {
  it('edits the named file in place and prints the JSON contract', async () => {
    const dir = workspace({ 'kustomization.yaml': overlay('0.1.0') })
    const result = await cli(
      dir,
      '--image',
      image,
      '--tag',
      '0.2.0',
      '--file',
      'kustomization.yaml',
      '--output',
      'json',
    )
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      changed: true,
      files: [{ file: 'kustomization.yaml', old: '0.1.0', new: '0.2.0' }],
      commit: null,
      pushed: false,
      attempts: 1,
    })
    expect(Object.keys(JSON.parse(result.stdout))).toEqual([
      'changed',
      'files',
      'commit',
      'pushed',
      'attempts',
    ])
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toBe(overlay('0.2.0'))
  })

  it('reports the commit and the push in JSON when writing to a repository', async () => {
    const remote = new GitOpsRemote({ 'overlays/dev/kustomization.yaml': overlay('0.1.0') })
    dirs.push(remote.root)
    const result = await cli(
      remote.root,
      '--image',
      image,
      '--tag',
      '0.2.0',
      '--dir',
      'overlays',
      '--repo',
      remote.bare,
      '--branch',
      'main',
      '--push',
      '--output',
      'json',
    )
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      changed: true,
      files: [{ file: 'overlays/dev/kustomization.yaml', old: '0.1.0', new: '0.2.0' }],
      commit: remote.tip(),
      pushed: true,
      attempts: 1,
    })
  })

  it('opens a pull request in --mode pr and prints its URL', async () => {
    const remote = new GitOpsRemote({ 'overlays/dev/kustomization.yaml': overlay('0.1.0') })
    dirs.push(remote.root)
    const github = new FakeGitHub('example-org', 'gitops', 'pr-token')
    await github.start()
    try {
      const result = await cli(
        remote.root,
        ...['--image', image, '--tag', '0.2.0', '--dir', 'overlays/dev', '--repo', remote.bare],
        ...['--branch', 'main', '--mode', 'pr', '--environment', 'dev', '--app', 'svc'],
        ...['--token', 'pr-token', '--github-api-url', github.baseUrl],
        ...['--github-repository', 'example-org/gitops'],
      )
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('pushed to refs/heads/golden-path/dev/svc (attempt 1)')
      expect(result.stdout).toContain('pull request https://github.com/example-org/gitops/pull/1')
      expect(github.pulls).toHaveLength(1)
    } finally {
      await github.stop()
    }
  })

  it('prints the diff on --dry-run and leaves the file untouched', async () => {
    const dir = workspace({ 'kustomization.yaml': overlay('0.1.0') })
    const result = await cli(dir, '--image', image, '--tag', '0.2.0', '--dir', '.', '--dry-run')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('-    newTag: "0.1.0"\n+    newTag: "0.2.0"')
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toBe(overlay('0.1.0'))
  })

  it.each([
    [
      ['--image', 'ghcr.io/example-org/typo', '--tag', '1.0.0', '--file', 'kustomization.yaml'],
      1,
      /image ghcr.io\/example-org\/typo not found in 1 file\(s\) \(images found: golden-path-reference-service, ghcr\.io\/example-org\/golden-path-reference-service\); use --add/,
    ],
    [
      ['--image', image, '--tag', '1.0;touch /tmp/pwned', '--file', 'kustomization.yaml'],
      2,
      /invalid tag '1.0;touch \/tmp\/pwned'/,
    ],
    [
      ['--image', image, '--digest', 'sha256:abc', '--file', 'kustomization.yaml'],
      2,
      /invalid digest 'sha256:abc'/,
    ],
    [
      ['--image', `${image}:0.2.0`, '--tag', '0.2.0', '--file', 'kustomization.yaml'],
      2,
      /give the repository only/,
    ],
    [
      ['--image', image, '--tag', '0.2.0', '--file', 'broken.yaml'],
      2,
      /broken.yaml:2 is not valid YAML/,
    ],
    [
      ['--image', image, '--tag', '0.2.0', '--file', 'missing.yaml'],
      2,
      /--file 'missing.yaml' does not exist/,
    ],
    [
      ['--image', image, '--tag', '0.2.0', '--file', 'latin1.yaml'],
      2,
      /latin1.yaml is not UTF-8 text/,
    ],
    [['--image', image, '--tag', '0.2.0'], 2, /name the files to edit with --file or --dir/],
    [
      ['--image', image, '--tag', '0.2.0', '--file', 'kustomization.yaml', '--push'],
      2,
      /--push needs --repo and --branch/,
    ],
    [
      ['--image', image, '--tag', '0.2.0', '--file', 'kustomization.yaml', '--mode', 'merge'],
      2,
      /invalid --mode 'merge': expected one of commit, pr/,
    ],
  ])('refuses %j with exit %i and one line naming the problem', async (args, code, message) => {
    const dir = workspace({
      'kustomization.yaml': overlay('0.1.0'),
      'broken.yaml': 'a: [1\nb: }\n',
    })
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from(`# caf\xe9\n${overlay('0.1.0')}`, 'latin1'))
    const result = await cli(dir, ...(args as string[]))
    expect(result.code).toBe(code)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/^golden-path bump: /)
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toBe(overlay('0.1.0'))
  })
})

describe('golden-path bump refuses edits that would change more than the named image', () => {
  const digestPin = `sha256:${'cd'.repeat(32)}`

  it('refuses a kustomize tag shared through an anchor with another image, file untouched', async () => {
    const text = `images:\n  - name: ${image}\n    newTag: &ver 0.1.0\n  - name: ghcr.io/example-org/worker\n    newTag: *ver\n`
    const dir = workspace({ 'kustomization.yaml': text })
    const result = await cli(
      dir,
      '--image',
      image,
      '--tag',
      '0.2.0',
      '--file',
      'kustomization.yaml',
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/anchor &ver.*ghcr\.io\/example-org\/worker.*\*ver/)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toBe(text)
  })

  it('refuses a container image shared through an anchor with another container', async () => {
    const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: &img ${image}:0.1.0\n      initContainers:\n        - name: migrate\n          image: *img\n`
    const dir = workspace({ 'deployment.yaml': text })
    const result = await cli(dir, '--image', image, '--tag', '0.2.0', '--file', 'deployment.yaml')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/anchor &img.*migrate/)
    expect(readFileSync(join(dir, 'deployment.yaml'), 'utf8')).toBe(text)
  })

  it('still bumps an anchored value nothing else refers to', async () => {
    const text = `images:\n  - name: ${image}\n    newTag: &ver 0.1.0\n`
    const dir = workspace({ 'kustomization.yaml': text })
    const result = await cli(
      dir,
      '--image',
      image,
      '--tag',
      '0.2.0',
      '--file',
      'kustomization.yaml',
    )
    expect(result.code).toBe(0)
    expect(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).toBe(
      text.replace('0.1.0', '0.2.0'),
    )
  })

  it.each([
    [
      'a raw container image',
      'deployment.yaml',
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ${image}@${digestPin}\n`,
    ],
    ['a Helm values reference', 'values.yaml', `image: ${image}:0.1.0@${digestPin}\n`],
    [
      'a kustomize entry',
      'kustomization.yaml',
      `images:\n  - name: ${image}\n    newTag: 0.1.0\n    digest: ${digestPin}\n`,
    ],
  ])(
    'refuses a tag-only bump of %s pinned by digest (exit 1, file untouched)',
    async (_name, file, text) => {
      const dir = workspace({ [file]: text })
      const result = await cli(dir, '--image', image, '--tag', '0.2.0', '--file', file)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/pins digest sha256:(cd)+; pass --digest too/)
      expect(readFileSync(join(dir, file), 'utf8')).toBe(text)
    },
  )
})

describe('golden-path bump keeps the commit message to one subject and its own trailers', () => {
  it.each([
    [
      ['--message', 'deploy {image}\n\nGolden-Path-Digest: sha256:forged'],
      /subject must be one line/,
    ],
    [['--environment', 'dev\nGolden-Path-Digest: sha256:forged'], /one line/],
    [
      ['--source-commit', 'abc123\nGolden-Path-Digest: sha256:forged'],
      /invalid source commit: expected a hex commit id/,
    ],
    [['--source-commit', 'main'], /invalid source commit/],
  ])('refuses %j with exit 2 and nothing committed', async (extra, message) => {
    const remote = new GitOpsRemote({ 'overlays/dev/kustomization.yaml': overlay('0.1.0') })
    dirs.push(remote.root)
    const before = remote.tip()
    const result = await cli(
      remote.root,
      '--image',
      image,
      '--tag',
      '0.2.0',
      '--repo',
      remote.bare,
      '--branch',
      'main',
      '--file',
      'overlays/dev/kustomization.yaml',
      '--push',
      ...extra,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toContain('sha256:forged')
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(remote.tip()).toBe(before)
  })
})
