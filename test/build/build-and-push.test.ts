import { execFileSync } from 'node:child_process'
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import { pushImage } from '../../actions/lib/registry/push-image'
import { runCli } from '../support/cli-io'
import { freeLoopbackPort } from '../support/free-port'
import { commitFiles, git } from '../support/git-project'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { buildah, requireTools, skopeo } from '../support/required-tools'

const dockerfile = `FROM scratch
COPY static/ /static/
COPY app/ /app/
USER 65532:65532
ENTRYPOINT ["/app/server"]
`
const commitDate = '2026-11-02T10:00:00Z'

let root: string
let project: string
let registry: LoopbackRegistry
// No GITHUB_* variables: the revision comes from the repository on disk.
const env = { PATH: process.env.PATH, HOME: process.env.HOME }

function layoutBlob(dir: string, digest: string) {
  return JSON.parse(readFileSync(join(dir, 'blobs/sha256', digest.slice(7)), 'utf8'))
}

function layoutManifest(dir: string): { config: { digest: string }; layers: { digest: string }[] } {
  return layoutBlob(
    dir,
    JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests[0].digest,
  )
}

function layoutConfig(dir: string): {
  created: string
  config: { Labels: Record<string, string>; User: string }
} {
  return layoutBlob(dir, layoutManifest(dir).config.digest)
}

beforeAll(async () => {
  requireTools(buildah, skopeo)
  root = mkdtempSync(join(tmpdir(), 'golden-path-build-'))
  project = join(root, 'project')
  commitFiles(
    project,
    {
      Dockerfile: dockerfile,
      'app/server': '#!/nodejs/bin/node\nconsole.log("v1")\n',
      'app/data.txt': 'static\n',
      'static/index.html': '<h1>hello</h1>\n',
    },
    'first version',
    commitDate,
  )
  execFileSync('chmod', ['755', join(project, 'app/server')])
  git(project, ['remote', 'add', 'origin', 'git@github.com:example-org/app.git'])
  registry = await startLoopbackRegistry()
})
afterAll(async () => {
  await registry?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('golden-path build with buildah', () => {
  it('gives identical digests for two builds of the same commit, with labels from the commit', async () => {
    const first = await runCli(
      [
        'build',
        '--image',
        'example.org/app',
        '--engine',
        'buildah',
        '--output',
        `oci:${join(root, 'one')}`,
        '--output-json',
      ],
      project,
      env,
    )
    expect(first.code, first.stderr).toBe(0)
    const second = await runCli(
      [
        'build',
        '--image',
        'example.org/app',
        '--output',
        `oci:${join(root, 'two')}`,
        '--output-json',
      ],
      project,
      env,
    )
    expect(second.code, second.stderr).toBe(0)
    const a = JSON.parse(first.stdout)
    const b = JSON.parse(second.stdout)
    expect(a.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(b.digest).toBe(a.digest)
    expect(a.engine).toBe('buildah')
    const sha = git(project, ['rev-parse', 'HEAD'])
    expect(a.tags).toEqual(['example.org/app:main', `example.org/app:sha-${sha.slice(0, 7)}`])
    expect(a.imageRef).toBe(`example.org/app@${a.digest}`)
    const config = layoutConfig(join(root, 'one'))
    expect(config.created).toBe(commitDate)
    expect(config.config.User).toBe('65532:65532')
    expect(config.config.Labels).toEqual({
      'org.opencontainers.image.title': 'app',
      'org.opencontainers.image.source': 'https://github.com/example-org/app',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.created': commitDate,
    })
  })

  it('changes only the app layer after a one-line change, and the layout passes the hardening checks', async () => {
    commitFiles(
      project,
      { 'app/server': '#!/nodejs/bin/node\nconsole.log("v2")\n' },
      'second version',
      '2026-11-03T09:30:00Z',
    )
    execFileSync('chmod', ['755', join(project, 'app/server')])
    const changed = await runCli(
      [
        'build',
        '--image',
        'example.org/app',
        '--output',
        `oci:${join(root, 'three')}`,
        '--output-json',
      ],
      project,
      env,
    )
    expect(changed.code, changed.stderr).toBe(0)
    const before = JSON.parse(readFileSync(join(root, 'one/index.json'), 'utf8')).manifests[0]
      .digest
    expect(JSON.parse(changed.stdout).digest).not.toBe(before)
    // Layers hold content only (fixed file times): the untouched one keeps its digest.
    const [staticBefore, appBefore] = layoutManifest(join(root, 'one')).layers
    const [staticAfter, appAfter] = layoutManifest(join(root, 'three')).layers
    expect(staticAfter!.digest).toBe(staticBefore!.digest)
    expect(appAfter!.digest).not.toBe(appBefore!.digest)
    expect(layoutConfig(join(root, 'three')).created).toBe('2026-11-03T09:30:00Z')
    const scan = await runCli(['scan', '--oci', join(root, 'three'), '--skip-cve'], project, env)
    expect(scan.code, scan.stdout).toBe(0)
  })

  it('replaces an existing layout rather than adding to it', async () => {
    const again = await runCli(
      ['build', '--image', 'example.org/app', '--output', `oci:${join(root, 'three')}`],
      project,
      env,
    )
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(root, 'three/index.json'), 'utf8')).manifests).toHaveLength(
      1,
    )
  })

  it.each([
    [
      ['--image', 'example.org/app', '--file', 'Missing.Dockerfile'],
      /Dockerfile .*Missing.Dockerfile not found/,
    ],
    [
      ['--image', 'example.org/app', '--context', '..'],
      /build context .* is outside the workspace/,
    ],
    [
      ['--image', 'example.org/app:latest'],
      /invalid --image 'example.org\/app:latest': give the repository only/,
    ],
    [
      ['--image', 'example.org/UPPER'],
      /invalid --image 'example.org\/UPPER': expected \[registry\[:port\]\/\]path/,
    ],
    [[], /--image is required/],
    [
      ['--image', 'example.org/app', '--output', '/tmp/x'],
      /invalid --output '\/tmp\/x': expected oci:DIR/,
    ],
    [
      ['--image', 'example.org/app', '--build-arg', 'NOVALUE'],
      /invalid --build-arg 'NOVALUE': expected KEY=VALUE/,
    ],
    [['--image', 'example.org/app', '--output', 'oci:app/out'], /is inside the build context/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const run = await runCli(['build', ...args], project, env)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('exits 1 when the Dockerfile fails, leaving no layout behind', async () => {
    mkdirSync(join(project, 'broken'), { recursive: true })
    writeFileSync(join(project, 'broken/Dockerfile'), 'FROM scratch\nCOPY not-there /x\n')
    const output = join(root, 'broken-out')
    const run = await runCli(
      ['build', '--image', 'example.org/app', '--context', 'broken', '--output', `oci:${output}`],
      project,
      env,
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/golden-path build: buildah build failed: .*not-there/)
    expect(existsSync(output)).toBe(false)
    expect(readdirSync(root).filter((name) => name.includes('partial'))).toEqual([])
  })
})

describe('golden-path push from the OCI layout', () => {
  it('pushes the scanned bytes: the registry serves the digest that was built, under every tag', async () => {
    const built = JSON.parse(readFileSync(join(root, 'one/index.json'), 'utf8')).manifests[0].digest
    const run = await runCli(
      [
        'push',
        '--oci',
        join(root, 'one'),
        '--image',
        `${registry.host}/example-org/app`,
        '--tag',
        'main',
        '--tag',
        `${registry.host}/example-org/app:sha-abc1234`,
        '--tls-verify',
        'false',
        '--output',
        'json',
      ],
      project,
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({
      digest: built,
      imageRef: `${registry.host}/example-org/app@${built}`,
      references: [
        `${registry.host}/example-org/app:main`,
        `${registry.host}/example-org/app:sha-abc1234`,
      ],
    })
    for (const tag of ['main', 'sha-abc1234']) {
      const served = execFileSync(
        'skopeo',
        [
          'inspect',
          '--tls-verify=false',
          '--format',
          '{{.Digest}}',
          `docker://${registry.host}/example-org/app:${tag}`,
        ],
        { encoding: 'utf8' },
      ).trim()
      expect(served).toBe(built)
    }
  })

  it('scans an image in the registry by copying it, judging the pushed digest', async () => {
    const built = JSON.parse(readFileSync(join(root, 'one/index.json'), 'utf8')).manifests[0].digest
    const run = await runCli(
      [
        'scan',
        '--image',
        `${registry.host}/example-org/app:main`,
        '--skip-cve',
        '--tls-verify',
        'false',
        '--output',
        'json',
      ],
      project,
      env,
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ passed: true, digest: built })
  })

  it('builds and pushes in one step with --push', async () => {
    const run = await runCli(
      [
        'build',
        '--image',
        `${registry.host}/example-org/app`,
        '--output',
        `oci:${join(root, 'pushed')}`,
        '--push',
        '--tls-verify',
        'false',
        '--output-json',
      ],
      project,
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.push.digest).toBe(result.digest)
    expect(result.push.references).toEqual(result.tags)
  })

  it('retries an unreachable registry, then fails with a clear error and no success', async () => {
    const port = await freeLoopbackPort()
    const sleeps: number[] = []
    const attempt = pushImage(
      {
        ociLayout: join(root, 'one'),
        image: `127.0.0.1:${port}/example-org/app`,
        tags: ['main'],
        tlsVerify: false,
        attempts: 3,
        retryDelayMs: 500,
      },
      {
        runner: spawnRunner,
        logger: nullLogger,
        clock: { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) },
      },
    )
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `push of 127\\.0\\.0\\.1:${port}/example-org/app:main failed after 3 attempt\\(s\\): .*connection refused`,
      ),
    )
    expect(sleeps).toEqual([500, 1000])
  })

  it('exits 1 from the CLI when the registry cannot be reached', async () => {
    const port = await freeLoopbackPort()
    const run = await runCli(
      [
        'push',
        '--oci',
        join(root, 'one'),
        '--image',
        `127.0.0.1:${port}/app`,
        '--tls-verify',
        'false',
        '--attempts',
        '1',
      ],
      project,
      env,
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^golden-path push: push of 127\.0\.0\.1:\d+\/app:main failed after 1 attempt\(s\)/,
    )
  })

  it.each([
    [
      ['--oci', 'nowhere', '--image', 'example.org/app', '--tag', 'x'],
      /OCI layout directory .*nowhere not found/,
    ],
    [['--image', 'example.org/app'], /--oci is required/],
    [['--oci', '.', '--image', 'not a ref'], /invalid --image 'not a ref'/],
    [['--oci', '.', '--image', 'example.org/app', '--tag', 'bad tag'], /invalid tag 'bad tag'/],
    [
      ['--oci', '.', '--image', 'example.org/app', '--tag', 'example.org/other:main'],
      /invalid tag 'example.org\/other:main': give a tag, or example.org\/app:<tag>/,
    ],
  ])('exits 2 for bad input %j', async (args, message) => {
    const run = await runCli(['push', ...args], root, env)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
  })
})
