import { describe, expect, it } from 'vitest'
import type { BuildPlan } from '../../actions/lib/build/build-plan'
import { parseBuildSecret } from '../../actions/lib/build/build-secret'
import { buildahArguments, buildxArguments } from '../../actions/lib/build/engine-arguments'

const plan = (overrides: Partial<BuildPlan> = {}): BuildPlan => ({
  contextDir: '/work/app',
  dockerfile: '/work/app/Dockerfile',
  references: ['ghcr.io/example-org/app:main', 'ghcr.io/example-org/app:sha-0123456'],
  labels: { 'org.opencontainers.image.created': '2026-11-02T10:00:00Z' },
  buildArgs: [],
  secrets: [],
  cacheFrom: [],
  cacheTo: [],
  noCache: false,
  outputDir: '/tmp/out',
  sourceDateEpoch: 1_793_613_600,
  ...overrides,
})

describe('buildah bud arguments', () => {
  it.each([
    [
      'a plain build',
      plan(),
      [
        'bud',
        '--file',
        '/work/app/Dockerfile',
        '--label',
        'org.opencontainers.image.created=2026-11-02T10:00:00Z',
        '--build-arg',
        'SOURCE_DATE_EPOCH=1793613600',
        '--timestamp',
        '0',
        '--disable-compression=false',
        '--identity-label=false',
        '--layers',
        '--no-cache',
        '--force-rm',
        '--tag',
        'oci:/tmp/out:main',
        '/work/app',
      ],
    ],
    [
      'build args, secrets, target and platform',
      plan({
        labels: {},
        buildArgs: [
          ['NODE_ENV', 'production'],
          ['SOURCE_DATE_EPOCH', '5'],
        ],
        secrets: [
          { id: 'npmrc', src: '/home/u/.npmrc' },
          { id: 'token', env: 'NPM_TOKEN' },
        ],
        target: 'runtime',
        platform: 'linux/arm64',
        noCache: true,
      }),
      [
        'bud',
        '--file',
        '/work/app/Dockerfile',
        '--build-arg',
        'NODE_ENV=production',
        '--build-arg',
        'SOURCE_DATE_EPOCH=5',
        '--secret',
        'id=npmrc,src=/home/u/.npmrc',
        '--secret',
        'id=token,env=NPM_TOKEN',
        '--target',
        'runtime',
        '--platform',
        'linux/arm64',
        '--timestamp',
        '0',
        '--disable-compression=false',
        '--identity-label=false',
        '--layers',
        '--no-cache',
        '--force-rm',
        '--tag',
        'oci:/tmp/out:main',
        '/work/app',
      ],
    ],
    [
      'chroot isolation',
      plan({ labels: {}, isolation: 'chroot' }),
      [
        'bud',
        '--file',
        '/work/app/Dockerfile',
        '--build-arg',
        'SOURCE_DATE_EPOCH=1793613600',
        '--timestamp',
        '0',
        '--disable-compression=false',
        '--identity-label=false',
        '--layers',
        '--no-cache',
        '--force-rm',
        '--isolation',
        'chroot',
        '--tag',
        'oci:/tmp/out:main',
        '/work/app',
      ],
    ],
    [
      'cache settings (buildx only)',
      plan({ labels: {}, cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'] }),
      [
        'bud',
        '--file',
        '/work/app/Dockerfile',
        '--build-arg',
        'SOURCE_DATE_EPOCH=1793613600',
        '--timestamp',
        '0',
        '--disable-compression=false',
        '--identity-label=false',
        '--layers',
        '--no-cache',
        '--force-rm',
        '--tag',
        'oci:/tmp/out:main',
        '/work/app',
      ],
    ],
  ])('%s', (_, input, expected) => {
    expect(buildahArguments(input)).toEqual(expected)
  })
})

describe('docker buildx build arguments', () => {
  it.each([
    [
      'a plain build',
      plan(),
      [
        'buildx',
        'build',
        '--file',
        '/work/app/Dockerfile',
        '--label',
        'org.opencontainers.image.created=2026-11-02T10:00:00Z',
        '--build-arg',
        'SOURCE_DATE_EPOCH=1793613600',
        '--tag',
        'ghcr.io/example-org/app:main',
        '--tag',
        'ghcr.io/example-org/app:sha-0123456',
        '--provenance=false',
        '--output',
        'type=oci,dest=/tmp/out,tar=false,rewrite-timestamp=true,name=ghcr.io/example-org/app:main',
        '/work/app',
      ],
    ],
    [
      'gha and registry caches, secrets, target, platform and no cache',
      plan({
        labels: {},
        references: ['ghcr.io/example-org/app:pr-7'],
        secrets: [{ id: 'npmrc', src: '/run/secrets/npmrc' }],
        target: 'runtime',
        platform: 'linux/amd64',
        noCache: true,
        cacheFrom: ['type=gha', 'type=registry,ref=ghcr.io/example-org/app:cache'],
        cacheTo: ['type=gha,mode=max'],
      }),
      [
        'buildx',
        'build',
        '--file',
        '/work/app/Dockerfile',
        '--build-arg',
        'SOURCE_DATE_EPOCH=1793613600',
        '--secret',
        'id=npmrc,src=/run/secrets/npmrc',
        '--target',
        'runtime',
        '--platform',
        'linux/amd64',
        '--no-cache',
        '--tag',
        'ghcr.io/example-org/app:pr-7',
        '--cache-from',
        'type=gha',
        '--cache-from',
        'type=registry,ref=ghcr.io/example-org/app:cache',
        '--cache-to',
        'type=gha,mode=max',
        '--provenance=false',
        '--output',
        'type=oci,dest=/tmp/out,tar=false,rewrite-timestamp=true,name=ghcr.io/example-org/app:pr-7',
        '/work/app',
      ],
    ],
  ])('%s', (_, input, expected) => {
    expect(buildxArguments(input)).toEqual(expected)
  })
})

describe('build secrets', () => {
  it.each([
    ['id=npmrc,src=.npmrc', { id: 'npmrc', src: '.npmrc' }],
    ['id=npmrc,source=/run/npmrc', { id: 'npmrc', src: '/run/npmrc' }],
    ['id=token,env=NPM_TOKEN', { id: 'token', env: 'NPM_TOKEN' }],
  ])('reads %s', (spec, expected) => {
    expect(parseBuildSecret(spec, '--secret')).toEqual(expected)
  })

  it.each(['npmrc', 'id=npmrc', 'id=a,src=x,env=Y', 'src=x', 'id=a b,src=x'])(
    'rejects %s',
    (spec) => {
      expect(() => parseBuildSecret(spec, '--secret')).toThrow(
        `invalid --secret '${spec}': expected id=NAME,src=PATH or id=NAME,env=VARIABLE`,
      )
    },
  )
})
