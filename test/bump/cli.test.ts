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
