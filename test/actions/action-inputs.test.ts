import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseInputs as parseBuildInputs } from '../../actions/build-image/src/inputs'
import { parseInputs as parsePushInputs } from '../../actions/push-image/src/inputs'
import { parseInputs as parseScanInputs } from '../../actions/scan-image/src/inputs'

/** The environment the runner builds from action.yml defaults plus the `with:` values. */
function runnerEnv(action: string, withValues: Record<string, string>): NodeJS.ProcessEnv {
  const metadata = parse(
    readFileSync(join(import.meta.dirname, `../../actions/${action}/action.yml`), 'utf8'),
  )
  const env: NodeJS.ProcessEnv = {}
  for (const [name, input] of Object.entries<{ default?: string }>(metadata.inputs)) {
    if (input.default !== undefined) env[`INPUT_${name.toUpperCase()}`] = input.default
  }
  for (const [name, value] of Object.entries(withValues)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

describe('build-image inputs', () => {
  it('gives the action.yml defaults the same meaning as the CLI defaults', () => {
    expect(
      parseBuildInputs(runnerEnv('build-image', { image: 'ghcr.io/example-org/app' })),
    ).toEqual({
      context: '.',
      file: 'Dockerfile',
      image: 'ghcr.io/example-org/app',
      tags: [],
      engine: 'auto',
      'build-args': [],
      secrets: [],
      'build-secrets': '',
      target: undefined,
      platforms: undefined,
      'cache-from': [],
      'cache-to': [],
      'no-cache': false,
      labels: [],
      output: undefined,
      push: false,
      'tls-verify': true,
      deprecations: [],
    })
  })

  it('reads platforms, and the deprecated platform with a warning until the next major release', () => {
    const current = parseBuildInputs(
      runnerEnv('build-image', { image: 'x', platforms: 'linux/arm64' }),
    )
    expect(current).toMatchObject({ platforms: 'linux/arm64', deprecations: [] })
    const former = parseBuildInputs(
      runnerEnv('build-image', { image: 'x', platform: 'linux/arm64' }),
    )
    expect(former).toMatchObject({
      platforms: 'linux/arm64',
      deprecations: [
        "input 'platform' is deprecated and will be removed in the next major release; rename it to 'platforms'",
      ],
    })
    const both = parseBuildInputs(
      runnerEnv('build-image', { image: 'x', platforms: 'linux/amd64', platform: 'linux/arm64' }),
    )
    expect(both.platforms).toBe('linux/amd64')
    expect(both.deprecations).toEqual([
      "input 'platform' is deprecated and ignored because 'platforms' is set; remove it",
    ])
  })

  it('takes a comma-separated list of platforms for one image index', () => {
    expect(
      parseBuildInputs(
        runnerEnv('build-image', { image: 'x', platforms: 'linux/amd64,linux/arm64' }),
      ).platforms,
    ).toBe('linux/amd64,linux/arm64')
  })

  it('splits multi-value inputs on newlines (and tags on commas too)', () => {
    const inputs = parseBuildInputs(
      runnerEnv('build-image', {
        image: 'ghcr.io/example-org/app',
        tags: 'stable, candidate\nnightly',
        'build-args': 'NODE_ENV=production\nGREETING=a,b',
        secrets: 'id=npmrc,src=.npmrc\nid=token,env=NPM_TOKEN',
        'cache-from': 'type=gha\ntype=registry,ref=ghcr.io/example-org/app:cache',
        engine: 'buildah',
        push: 'true',
      }),
    )
    expect(inputs.tags).toEqual(['stable', 'candidate', 'nightly'])
    expect(inputs['build-args']).toEqual(['NODE_ENV=production', 'GREETING=a,b'])
    expect(inputs.secrets).toEqual([
      { id: 'npmrc', src: '.npmrc' },
      { id: 'token', env: 'NPM_TOKEN' },
    ])
    expect(inputs['cache-from']).toEqual([
      'type=gha',
      'type=registry,ref=ghcr.io/example-org/app:cache',
    ])
    expect(inputs.engine).toBe('buildah')
    expect(inputs.push).toBe(true)
  })

  it.each([
    [{}, "input 'image' is required (e.g. ghcr.io/example-org/app)"],
    [
      { image: 'x', engine: 'podman' },
      "input 'engine' is 'podman': expected one of auto, docker, buildah",
    ],
    [{ image: 'x', push: 'yes' }, "input 'push' is 'yes': expected true or false"],
    [
      { image: 'x', secrets: 'TOKEN=abc' },
      "invalid input 'secrets' line 'TOKEN=abc': expected id=NAME,src=PATH or id=NAME,env=VARIABLE",
    ],
  ])('rejects %j naming the input', (withValues, message) => {
    expect(() => parseBuildInputs(runnerEnv('build-image', withValues))).toThrow(message)
  })
})

describe('scan-image inputs', () => {
  it('gives the action.yml defaults the same meaning as the CLI defaults', () => {
    expect(
      parseScanInputs(runnerEnv('scan-image', { 'trivy-report': 'trivy.json' }), '/ws'),
    ).toEqual({
      oci: undefined,
      image: undefined,
      'trivy-report': '/ws/trivy.json',
      'report-at': 'LOW',
      'fail-on': 'HIGH',
      'ignore-unfixed': false,
      'ignore-file': '/ws/.golden-path/scan-ignore.yaml',
      ignoreFileExplicit: false,
      'sarif-file': undefined,
      'skip-cve': false,
      'size-budget': 300 * 1024 * 1024,
      'tls-verify': true,
      deprecations: [],
    })
  })

  it('reads sarif-file, and the deprecated sarif with a warning until the next major release', () => {
    expect(
      parseScanInputs(runnerEnv('scan-image', { 'sarif-file': 'out/scan.sarif' }), '/ws'),
    ).toMatchObject({ 'sarif-file': '/ws/out/scan.sarif', deprecations: [] })
    expect(parseScanInputs(runnerEnv('scan-image', { sarif: 'scan.sarif' }), '/ws')).toMatchObject({
      'sarif-file': '/ws/scan.sarif',
      deprecations: [
        "input 'sarif' is deprecated and will be removed in the next major release; rename it to 'sarif-file'",
      ],
    })
  })

  it('treats an ignore file other than the default as one that must exist', () => {
    const inputs = parseScanInputs(
      runnerEnv('scan-image', { 'ignore-file': 'security/accepted.yaml' }),
      '/ws',
    )
    expect(inputs).toMatchObject({
      'ignore-file': '/ws/security/accepted.yaml',
      ignoreFileExplicit: true,
    })
  })

  it.each([
    [
      { 'fail-on': 'high' },
      "input 'fail-on' is 'high': expected one of LOW, MEDIUM, HIGH, CRITICAL",
    ],
    [
      { 'report-at': 'NONE' },
      "input 'report-at' is 'NONE': expected one of LOW, MEDIUM, HIGH, CRITICAL",
    ],
    [{ 'ignore-unfixed': 'yes' }, "input 'ignore-unfixed' is 'yes': expected true or false"],
    [{ 'size-budget': '-1' }, "input 'size-budget' is '-1': expected a size in MiB, e.g. 200"],
  ])('rejects %j naming the input', (withValues, message) => {
    expect(() => parseScanInputs(runnerEnv('scan-image', withValues), '/ws')).toThrow(message)
  })
})

describe('push-image inputs', () => {
  it('reads the layout, repository, tags and retry count', () => {
    const inputs = parsePushInputs(
      runnerEnv('push-image', {
        oci: 'out/oci',
        image: 'ghcr.io/example-org/app',
        'additional-images':
          '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app\neurope-docker.pkg.dev/p/r/app\n',
        tags: 'main,sha-0123456',
      }),
      '/ws',
    )
    expect(inputs).toEqual({
      oci: '/ws/out/oci',
      image: 'ghcr.io/example-org/app',
      'additional-images': [
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app',
        'europe-docker.pkg.dev/p/r/app',
      ],
      tags: ['main', 'sha-0123456'],
      'tls-verify': true,
      username: undefined,
      password: undefined,
      attempts: 3,
    })
  })

  it.each([
    [{ image: 'ghcr.io/x/y' }, "input 'oci' is required"],
    [
      { oci: 'o', image: 'ghcr.io/x/y:tag' },
      "invalid input 'image' 'ghcr.io/x/y:tag': give the repository only",
    ],
    [
      { oci: 'o', image: 'ghcr.io/x/y', username: 'bot' },
      "inputs 'username' and 'password' go together",
    ],
    [
      { oci: 'o', image: 'ghcr.io/x/y', attempts: '0' },
      "input 'attempts' is '0': expected a whole number from 1",
    ],
  ])('rejects %j naming the input', (withValues, message) => {
    expect(() => parsePushInputs(runnerEnv('push-image', withValues), '/ws')).toThrow(message)
  })
})
