import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkEmulation,
  parsePlatforms,
  stagesNeedingTargetRuns,
} from '../../actions/lib/build/platforms'
import { runCli } from '../support/cli-io'
import { commitFiles, git } from '../support/git-project'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { buildah, requireTools, skopeo } from '../support/required-tools'

// The cross-build pattern: binaries compiled for each TARGETARCH outside the image
// (here by the test, with Go), copied in by a stage that runs nothing: no emulation.
const dockerfile = `FROM scratch
ARG TARGETARCH
COPY bin/\${TARGETARCH}/server /app/server
USER 65532:65532
ENTRYPOINT ["/app/server"]
`
const program = `package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Println("hello from", runtime.GOARCH) }
`

let root: string
let project: string
let registry: LoopbackRegistry
const env = { PATH: process.env.PATH, HOME: process.env.HOME }

function blob(layout: string, digest: string): Buffer {
  return readFileSync(join(layout, 'blobs/sha256', digest.slice(7)))
}

function topDescriptor(layout: string): { mediaType: string; digest: string } {
  return JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0]
}

beforeAll(() => {
  requireTools(buildah, skopeo, { command: 'go', install: 'https://go.dev/dl (Go toolchain)' })
  root = mkdtempSync(join(tmpdir(), 'golden-path-multiarch-'))
  project = join(root, 'project')
  const source = join(root, 'source')
  mkdirSync(source)
  writeFileSync(join(source, 'go.mod'), 'module example.org/hello\n\ngo 1.22\n')
  writeFileSync(join(source, 'main.go'), program)
  commitFiles(project, { Dockerfile: dockerfile }, 'Dockerfile', '2026-11-02T10:00:00Z')
  for (const arch of ['amd64', 'arm64']) {
    mkdirSync(join(project, 'bin', arch), { recursive: true })
    execFileSync(
      'go',
      [
        'build',
        '-trimpath',
        '-ldflags=-s -w -buildid=',
        '-o',
        join(project, 'bin', arch, 'server'),
        '.',
      ],
      {
        cwd: source,
        env: {
          ...process.env,
          GOOS: 'linux',
          GOARCH: arch,
          CGO_ENABLED: '0',
          GOTOOLCHAIN: 'local',
        },
        stdio: 'pipe',
      },
    )
  }
  git(project, ['add', '-A'])
  git(project, ['commit', '-q', '-m', 'binaries'], '2026-11-02T10:00:00Z')
}, 180_000)

afterAll(async () => {
  await registry?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('golden-path build --platform with two platforms (buildah)', () => {
  let first: { digest: string; platforms: { platform: string; digest: string }[] }

  it('writes one OCI image index with a manifest per platform, each config naming its architecture', async () => {
    const run = await runCli(
      [
        'build',
        '--image',
        'example.org/hello',
        '--engine',
        'buildah',
        '--platform',
        'linux/amd64,linux/arm64',
        '--oci',
        join(root, 'one'),
        '--output-json',
      ],
      project,
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    first = JSON.parse(run.stdout)
    const top = topDescriptor(join(root, 'one'))
    expect(top.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(top.digest).toBe(first.digest)
    const index = JSON.parse(blob(join(root, 'one'), top.digest).toString('utf8'))
    expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ])
    expect(first.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64'])
    for (const [i, arch] of ['amd64', 'arm64'].entries()) {
      const manifest = JSON.parse(blob(join(root, 'one'), index.manifests[i].digest).toString())
      const config = JSON.parse(blob(join(root, 'one'), manifest.config.digest).toString())
      expect(config.architecture).toBe(arch)
      expect(config.os).toBe('linux')
      expect(config.created).toBe('2026-11-02T10:00:00Z')
    }
    // Each platform's layer holds that platform's binary.
    const layers = index.manifests.map(
      (m: { digest: string }) =>
        JSON.parse(blob(join(root, 'one'), m.digest).toString()).layers[0].digest,
    )
    expect(layers[0]).not.toBe(layers[1])
  }, 240_000)

  it('gives the same index digest when the same commit is built again', async () => {
    const run = await runCli(
      [
        'build',
        '--image',
        'example.org/hello',
        '--platform',
        'linux/amd64,linux/arm64',
        '--oci',
        join(root, 'two'),
        '--output-json',
      ],
      project,
      env,
    )
    expect(run.code, run.stderr).toBe(0)
    const second = JSON.parse(run.stdout)
    expect(second.digest).toBe(first.digest)
    expect(second.platforms).toEqual(first.platforms)
  }, 240_000)

  it('judges every platform in the scan gate', async () => {
    const scan = await runCli(
      ['scan', '--oci', join(root, 'one'), '--skip-cve', '--output', 'json'],
      project,
      env,
    )
    const result = JSON.parse(scan.stdout)
    expect(result.platforms.map((p: { platform: string }) => p.platform)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ])
    expect(result.digest).toBe(first.digest)
  })

  it('pushes the index and its manifests; pulling it back gives the same index digest', async () => {
    registry = await startLoopbackRegistry()
    const push = await runCli(
      [
        'push',
        '--oci',
        join(root, 'one'),
        '--image',
        `${registry.host}/team/hello`,
        '--tag',
        'v1',
        '--tls-verify',
        'false',
        '--output',
        'json',
      ],
      project,
      env,
    )
    expect(push.code, push.stderr).toBe(0)
    expect(JSON.parse(push.stdout).digest).toBe(first.digest)
    const raw = execFileSync(
      'skopeo',
      ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/team/hello:v1`],
      { encoding: 'utf8' },
    )
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(first.digest)
    const arm = JSON.parse(
      execFileSync(
        'skopeo',
        [
          'inspect',
          '--config',
          '--tls-verify=false',
          '--override-arch',
          'arm64',
          `docker://${registry.host}/team/hello:v1`,
        ],
        { encoding: 'utf8' },
      ),
    )
    expect(arm.architecture).toBe('arm64')
    const pulled = join(root, 'pulled')
    execFileSync('skopeo', [
      'copy',
      '--all',
      '--preserve-digests',
      '--src-tls-verify=false',
      `docker://${registry.host}/team/hello:v1`,
      `oci:${pulled}:v1`,
    ])
    expect(topDescriptor(pulled).digest).toBe(first.digest)
  }, 120_000)
})

describe('platforms and emulation', () => {
  it.each([
    ['linux/amd64,linux/arm64', ['linux/amd64', 'linux/arm64']],
    ['linux/arm/v7\nlinux/amd64,linux/amd64', ['linux/arm/v7', 'linux/amd64']],
  ])('parses %j', (value, expected) => {
    expect(
      parsePlatforms(value, '--platform').map((p) =>
        [p.os, p.architecture, p.variant].filter(Boolean).join('/'),
      ),
    ).toEqual(expected)
  })

  it('rejects a platform without an architecture, naming the format', () => {
    expect(() => parsePlatforms('linux', '--platform')).toThrow(
      "invalid --platform 'linux': expected os/architecture[/variant], e.g. linux/amd64,linux/arm64",
    )
  })

  it.each([
    [dockerfile, false],
    [
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n',
      false,
    ],
    [
      `FROM --platform=\${BUILDPLATFORM} golang AS build\nRUN make\nFROM build AS test\nRUN make test\nFROM scratch\nCOPY --from=build /a /a\n`,
      false,
    ],
    ['FROM debian:12\nRUN apt-get update && \\\n  apt-get install -y curl\n', true],
  ])('knows whether RUN steps run for the target platform (%#)', (text, expected) => {
    expect(stagesNeedingTargetRuns(text)).toBe(expected)
  })

  it('reports foreign platforms whose RUN steps have no qemu handler, and those that do', async () => {
    const binfmt = mkdtempSync(join(tmpdir(), 'golden-path-binfmt-'))
    try {
      writeFileSync(join(binfmt, 'qemu-aarch64'), 'enabled\ninterpreter /usr/bin/qemu-aarch64\n')
      writeFileSync(join(binfmt, 'qemu-s390x'), 'disabled\n')
      const result = await checkEmulation(
        'FROM debian:12\nRUN true\n',
        parsePlatforms('linux/amd64,linux/arm64,linux/s390x,linux/ppc64le', 'p'),
        'amd64',
        binfmt,
      )
      expect(result).toEqual({
        emulated: ['linux/arm64'],
        missing: ['linux/s390x', 'linux/ppc64le'],
      })
    } finally {
      rmSync(binfmt, { recursive: true, force: true })
    }
  })

  it('refuses, before building, RUN steps for a platform this machine cannot run', async () => {
    const dir = join(root, 'emulation')
    commitFiles(dir, { Dockerfile: 'FROM scratch\nRUN ["/bin/true"]\n' }, 'run step')
    const run = await runCli(
      [
        'build',
        '--image',
        'example.org/run',
        '--engine',
        'buildah',
        '--platform',
        'linux/s390x',
        '--oci',
        join(root, 'never'),
      ],
      dir,
      env,
    )
    // No machine running these tests registers a qemu handler for s390x by default.
    expect(run.code).toBe(2)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(
      /RUN steps for linux\/s390x need emulation .* FROM --platform=\$BUILDPLATFORM .* qemu-user-static/,
    )
  })
})
