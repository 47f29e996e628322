import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { buildah, requireTools, skopeo } from '../support/required-tools'
import { type StandinBaseImages, standinBaseImages } from '../support/standin-images'

const repositoryRoot = join(import.meta.dirname, '../..')
// No GITHUB_* variables: the revision comes from this repository's HEAD.
const env = { PATH: process.env.PATH, HOME: process.env.HOME }

let bases: StandinBaseImages
let registry: LoopbackRegistry
let work: string

beforeAll(async () => {
  requireTools(buildah, skopeo)
  bases = await standinBaseImages()
  registry = await startLoopbackRegistry()
  work = mkdtempSync(join(tmpdir(), 'golden-path-service-image-'))
}, 600_000)
afterAll(async () => {
  await registry?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('the reference service image: build, scan, push without rebuilding', () => {
  it('builds service/Dockerfile into a layout that passes the hardening checks and pushes those bytes', async () => {
    const image = `${registry.host}/example-org/golden-path-reference-service`
    const build = await runCli(
      [
        'build',
        '--context',
        'service',
        '--image',
        image,
        '--engine',
        'buildah',
        '--build-arg',
        `BUILD_IMAGE=${bases.build}`,
        '--build-arg',
        `RUNTIME_IMAGE=${bases.runtime}`,
        '--label',
        'org.opencontainers.image.source=https://github.com/example-org/golden-path',
        '--output',
        `oci:${join(work, 'oci')}`,
        '--output-json',
      ],
      repositoryRoot,
      env,
    )
    expect(build.code, build.stderr).toBe(0)
    const built = JSON.parse(build.stdout)

    const scan = await runCli(
      ['scan', '--oci', join(work, 'oci'), '--skip-cve', '--output', 'json'],
      repositoryRoot,
      env,
    )
    const result = JSON.parse(scan.stdout)
    expect(scan.code, JSON.stringify(result.hardening)).toBe(0)
    expect(result.digest).toBe(built.digest)
    const entrypoint = result.hardening.find(
      (check: { id: string }) => check.id === 'entrypoint-exists',
    )
    expect(entrypoint.details).toEqual(['/nodejs/bin/node is /nodejs/bin/node'])

    const push = await runCli(
      [
        'push',
        '--oci',
        join(work, 'oci'),
        '--image',
        image,
        '--tag',
        'candidate',
        '--tls-verify',
        'false',
        '--output',
        'json',
      ],
      repositoryRoot,
      env,
    )
    expect(push.code, push.stderr).toBe(0)
    expect(JSON.parse(push.stdout).digest).toBe(built.digest)
    const reference = `docker://${image}:candidate`
    const inspect = (args: string[]) =>
      execFileSync('skopeo', ['inspect', '--tls-verify=false', ...args, reference], {
        encoding: 'utf8',
      })
    expect(inspect(['--format', '{{.Digest}}']).trim()).toBe(built.digest)
    const config = JSON.parse(inspect(['--config']))
    expect(config.config.User).toBe('65532:65532')
    expect(config.created).toBe(built.metadata.labels['org.opencontainers.image.created'])
  }, 600_000)
})
