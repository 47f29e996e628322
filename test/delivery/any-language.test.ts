import { spawnSync } from 'node:child_process'
import {
  cpSync,
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
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/src/command'
import { main } from '../../cli/src/main'
import { freeLoopbackPort } from '../support/free-port'
import { standinPythonImage } from '../support/standin-python'

// Services of other teams, in other languages, each with its own image name and its own GitOps
// repository, delivered end to end by `golden-path deliver --local`: real go/pytest, buildah,
// a loopback registry, git and kubectl kustomize.
const fixtures = new URL('../fixtures/', import.meta.url).pathname

function git(args: string[], cwd?: string): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'acme',
      GIT_AUTHOR_EMAIL: 'dev@acme.test',
      GIT_COMMITTER_NAME: 'acme',
      GIT_COMMITTER_EMAIL: 'dev@acme.test',
    },
  })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
  return result.stdout.trim()
}

function copyTemplate(from: string, to: string, service: string): void {
  mkdirSync(to, { recursive: true })
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      copyTemplate(join(from, entry.name), join(to, entry.name), service)
    } else {
      const text = readFileSync(join(from, entry.name), 'utf8')
      writeFileSync(join(to, entry.name), text.replaceAll('{{service}}', service))
    }
  }
}

/** A product repository (the fixture service, committed) and a bare GitOps repository of its own. */
function adopt(dir: string, service: string, origin?: string): { product: string; gitops: string } {
  const product = join(dir, service)
  cpSync(join(fixtures, 'services', service), product, { recursive: true })
  git(['init', '--quiet', '--initial-branch', 'main'], product)
  git(['add', '--all'], product)
  git(['commit', '--quiet', '-m', `${service} 0.1.0`], product)
  // A clone of a repository on disk: its origin is a path, not a web address.
  if (origin) git(['remote', 'add', 'origin', origin], product)
  const work = join(dir, `${service}-gitops-work`)
  copyTemplate(join(fixtures, 'gitops', 'template'), work, service)
  git(['init', '--quiet', '--initial-branch', 'main'], work)
  git(['add', '--all'], work)
  git(['commit', '--quiet', '-m', 'dev runs 0.1.0'], work)
  const gitops = join(dir, `${service}-gitops.git`)
  git(['clone', '--quiet', '--bare', work, gitops])
  rmSync(work, { recursive: true, force: true })
  return { product, gitops }
}

function captureIO(cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const out: string[] = []
  const err: string[] = []
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()))
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()))
  const io: CliIO = { stdout, stderr, stdin: new PassThrough(), env, cwd }
  return { io, stdout: () => out.join(''), stderr: () => err.join('') }
}

/** The overlay as Argo CD would render it at the tip of the GitOps branch. */
function renderedImages(gitops: string, dir: string): string[] {
  const checkout = join(dir, 'rendered')
  git(['clone', '--quiet', '--branch', 'main', gitops, checkout])
  const rendered = spawnSync('kubectl', ['kustomize', join(checkout, 'overlays/dev')], {
    encoding: 'utf8',
  })
  if (rendered.status !== 0) throw new Error(`kubectl kustomize: ${rendered.stderr}`)
  return [...rendered.stdout.matchAll(/^\s+(?:- )?image: (\S+)$/gm)].map((match) => match[1]!)
}

describe('deliver --local for a Go and a Python service with their own images and GitOps repositories', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-any-language-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    {
      service: 'go-hello',
      // The static binary is built on the host, so the image needs no Go base to build from.
      extra: async () => [
        '--test-command',
        'go test ./... && CGO_ENABLED=0 go build -trimpath -o dist/go-hello .',
        '--build-arg',
        'RUNTIME_IMAGE=scratch',
      ],
      test: 'go test ./... && CGO_ENABLED=0 go build -trimpath -o dist/go-hello . passed',
      origin: '/srv/git/go-hello',
    },
    {
      service: 'python-hello',
      // No --test-command: pyproject.toml says python -m pytest.
      extra: async () => ['--build-arg', `RUNTIME_IMAGE=${await standinPythonImage()}`],
      test: 'python -m pytest passed',
      origin: undefined,
    },
  ])(
    'delivers $service: its tests, its image acme/$service, and its overlay renders to the digest pushed',
    async ({ service, extra, test, origin }) => {
      const { product, gitops } = adopt(dir, service, origin)
      const registry = `127.0.0.1:${await freeLoopbackPort()}`
      const state = join(dir, 'state')
      // Off a terminal, a long build says it is still going (every second here).
      const cli = captureIO(product, { ...process.env, GOLDEN_PATH_HEARTBEAT_SECONDS: '1' })
      const code = await main(
        [
          'deliver',
          '--local',
          '--service',
          '.',
          '--image-name',
          `acme/${service}`,
          '--gitops-repo',
          gitops,
          '--gitops-path',
          'overlays/dev',
          '--registry',
          registry,
          '--state-dir',
          state,
          '--output',
          'json',
          ...(await extra()),
        ],
        cli.io,
      )
      expect(cli.stderr()).toMatch(
        /^deliver: build: still building \(\d+s, at STEP \d+\/\d+: .+\)$/m,
      )
      const result = JSON.parse(cli.stdout())
      const failed = result.report.steps.find(
        (step: { status: string }) => step.status === 'failed',
      )
      expect(failed).toBeUndefined()
      expect(code).toBe(0)
      expect(result.test).toMatchObject({ command: test.replace(/ passed$/, '') })
      expect(result.report.steps[0]).toMatchObject({ name: 'test', status: 'passed', detail: test })
      const { digest, tags } = result.report.state as { digest: string; tags: string[] }
      const sha = git(['rev-parse', '--short=7', 'HEAD'], product)
      expect(tags).toContain(`sha-${sha}`)
      expect(result.report.state.imageRef).toBe(`${registry}/acme/${service}@${digest}`)

      // The registry (stopped after the run) stored the manifest of exactly that digest.
      const revisions = join(state, 'registry/data/docker/registry/v2/repositories/acme', service)
      expect(existsSync(join(revisions, '_manifests/revisions/sha256', digest.slice(7)))).toBe(true)

      // The bump rewrote only the entry's values: newName, the build's tag, the digest.
      const overlay = git(['--git-dir', gitops, 'show', 'main:overlays/dev/kustomization.yaml'])
      expect(`${overlay}\n`).toBe(
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          `namespace: ${service}-dev`,
          'resources:',
          '  - ../../base',
          'images:',
          '  # The release dev runs; golden-path deliver pins the build it delivered here.',
          `  - name: ghcr.io/acme/${service}`,
          `    newTag: "sha-${sha}" # first release`,
          `    newName: "${registry}/acme/${service}"`,
          `    digest: "${digest}"`,
          '',
        ].join('\n'),
      )
      const subject = git(['--git-dir', gitops, 'log', '-1', '--format=%s', 'main'])
      expect(subject).toContain(`${registry}/acme/${service}`)
      // And the overlay renders to the image actually pushed.
      const images = renderedImages(gitops, dir)
      expect(images).toEqual([`${registry}/acme/${service}:sha-${sha}@${digest}`])
    },
    300_000,
  )

  it.each([
    [
      'an overlay the GitOps repository does not have',
      ['--gitops-path', 'overlays/prod', '--test-command', 'touch tests-ran'],
      "golden-path deliver: the GitOps repository has no overlay 'overlays/prod' on branch 'main'; pass --gitops-path DIR (a directory with a kustomization.yaml)\n",
    ],
    [
      'an images: entry the overlay does not have',
      ['--overlay-image', 'ghcr.io/acme/billing', '--test-command', 'touch tests-ran'],
      "golden-path deliver: --overlay-image 'ghcr.io/acme/billing' is not an images: entry of the overlay (images in overlays/dev/kustomization.yaml: ghcr.io/acme/go-hello); name one of them, or pass --add to append it\n",
    ],
    [
      'a branch the GitOps repository does not have',
      ['--gitops-branch', 'release', '--test-command', 'touch tests-ran'],
      /^golden-path deliver: GitOps repository '.*-gitops\.git' has no branch 'release'; create it there or pass --gitops-branch NAME\n$/,
    ],
    [
      'a service nothing says how to test',
      ['--service', 'dist'],
      /^golden-path deliver: cannot tell how to test 'dist': none of package\.json, go\.mod, .*; pass --test-command CMD/,
    ],
  ])(
    'fails at once with exit 2 on %s: nothing built, nothing pushed',
    async (_case, flags, message) => {
      const { product, gitops } = adopt(dir, 'go-hello')
      mkdirSync(join(product, 'dist'))
      const state = join(dir, 'state')
      const cli = captureIO(product)
      const code = await main(
        [
          'deliver',
          '--local',
          '--service',
          '.',
          '--image-name',
          'acme/go-hello',
          '--gitops-repo',
          gitops,
          '--gitops-path',
          'overlays/dev',
          '--registry',
          `127.0.0.1:${await freeLoopbackPort()}`,
          '--state-dir',
          state,
          ...flags,
        ],
        cli.io,
      )
      expect(code).toBe(2)
      if (typeof message === 'string') expect(cli.stderr()).toBe(message)
      else expect(cli.stderr()).toMatch(message)
      expect(cli.stdout()).toBe('')
      // No registry storage, no OCI layout, tests not run, the GitOps branch untouched.
      expect(existsSync(join(state, 'registry'))).toBe(false)
      expect(existsSync(join(state, 'oci'))).toBe(false)
      expect(existsSync(join(product, 'tests-ran'))).toBe(false)
      expect(git(['--git-dir', gitops, 'rev-list', '--count', 'main'])).toBe('1')
    },
  )

  it('prints the test command it would run for a service', async () => {
    const { product } = adopt(dir, 'python-hello')
    const cli = captureIO(product)
    expect(await main(['deliver', '--print-test-command', '--service', '.'], cli.io)).toBe(0)
    expect(cli.stdout()).toBe('python -m pytest\n')
  })
})
