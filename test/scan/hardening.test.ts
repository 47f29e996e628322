import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLayoutImage } from '../../actions/lib/oci/oci-layout'
import {
  defaultRequiredLabels,
  type HardeningCheck,
  runHardeningChecks,
} from '../../actions/lib/scan/hardening-checks'
import { buildFixtureLayout } from '../support/oci-fixtures'

// Built at run time so that no token-shaped string sits in the repository.
const pemKey = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
  'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
  '-----END RSA PRIVATE KEY-----',
  '',
].join('\n')
const githubToken = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`

const labels = {
  'org.opencontainers.image.source': 'https://github.com/example-org/app',
  'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
  'org.opencontainers.image.created': '2026-11-30T12:00:00Z',
}
const policy = { sizeBudgetBytes: 10 * 1024 * 1024, requiredLabels: defaultRequiredLabels }

let workspace: string
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'golden-path-hardening-'))
})
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

async function checksFor(name: string, budget = policy.sizeBudgetBytes) {
  const layout = join(workspace, name)
  const image = await readLayoutImage(layout)
  const checks = await runHardeningChecks(layout, image, { ...policy, sizeBudgetBytes: budget })
  return Object.fromEntries(checks.map((check) => [check.id, check])) as Record<
    HardeningCheck['id'],
    HardeningCheck
  >
}

describe('hardening checks on OCI layouts built with buildah', () => {
  beforeAll(() => {
    buildFixtureLayout(
      {
        files: [
          { path: 'app/server', content: '#!/nodejs/bin/node\n', mode: 0o755 },
          { path: 'app/config.json', content: '{"port": 8080}\n', mode: 0o644 },
          { path: 'tmp', directory: true, mode: 0o1777 },
          { path: 'tmp/scratch', content: 'x', mode: 0o666 },
        ],
        user: '65532:65532',
        entrypoint: ['/app/server'],
        labels,
      },
      join(workspace, 'hardened'),
    )
    buildFixtureLayout(
      {
        files: [
          { path: 'bin/sh', content: 'ELF', mode: 0o755 },
          { path: 'usr/bin/apt-get', content: 'ELF', mode: 0o755 },
          { path: 'usr/bin/passwd', content: 'ELF', mode: 0o4755 },
          { path: 'usr/bin/wall', content: 'ELF', mode: 0o2755 },
          { path: 'var/data', directory: true, mode: 0o777 },
          { path: 'etc/app.conf', content: 'x', mode: 0o666 },
          { path: 'root/.ssh/id_rsa', content: pemKey, mode: 0o600 },
          { path: 'app/.npmrc', content: `//npm.pkg.github.com/:_authToken=${githubToken}\n` },
          { path: 'app/big.bin', content: Buffer.alloc(64 * 1024, 7) },
        ],
        entrypoint: ['/app/server'],
        labels: { 'org.opencontainers.image.source': 'https://github.com/example-org/app' },
      },
      join(workspace, 'careless'),
    )
    buildFixtureLayout(
      {
        files: [
          { path: 'usr/bin/app', content: '#!/x\n', mode: 0o755 },
          { path: 'bin', symlinkTo: 'usr/bin' },
          { path: 'usr/bin/bash', content: 'ELF', mode: 0o755 },
          { path: 'app/deploy.pem', content: pemKey },
        ],
        user: 'nonroot',
        cmd: ['/bin/app'],
        labels,
        removeInUpper: ['usr/bin/bash', 'app/deploy.pem'],
      },
      join(workspace, 'layered'),
    )
  })

  it('passes every check on a non-root image with only its application', async () => {
    const checks = await checksFor('hardened')
    for (const check of Object.values(checks))
      expect(check, check.id).toMatchObject({ passed: true })
    expect(checks['entrypoint-exists'].details).toEqual(['/app/server is /app/server'])
  })

  it('fails each check on an image built carelessly, naming what it found', async () => {
    const checks = await checksFor('careless', 32 * 1024)
    expect(checks['non-root-user']).toMatchObject({
      passed: false,
      details: ["config user is '(unset, so root)'"],
    })
    expect(checks['no-shell-or-package-manager']).toMatchObject({
      passed: false,
      details: ['/bin/sh', '/usr/bin/apt-get'],
    })
    expect(checks['no-setuid-setgid']).toMatchObject({
      passed: false,
      details: ['/usr/bin/passwd (mode 4755)', '/usr/bin/wall (mode 2755)'],
    })
    expect(checks['no-world-writable']).toMatchObject({
      passed: false,
      details: ['/etc/app.conf (mode 0666)', '/var/data (mode 0777)'],
    })
    expect(checks['required-labels']).toMatchObject({
      passed: false,
      details: [
        'missing label org.opencontainers.image.revision',
        'missing label org.opencontainers.image.created',
      ],
    })
    expect(checks['size-budget'].passed).toBe(false)
    expect(checks['no-secrets']).toMatchObject({
      passed: false,
      details: ['/app/.npmrc: GitHub token (layer 1)', '/root/.ssh/id_rsa: private key (layer 1)'],
    })
    expect(checks['entrypoint-exists']).toMatchObject({
      passed: false,
      details: ['/app/server is not in the image (looked for /app/server)'],
    })
  })

  it('judges the merged filesystem but finds secrets in any layer, even deleted later', async () => {
    const checks = await checksFor('layered')
    expect(checks['no-shell-or-package-manager'].passed).toBe(true)
    expect(checks['no-secrets']).toMatchObject({
      passed: false,
      details: ['/app/deploy.pem: private key (layer 1)'],
    })
  })

  it('finds the entrypoint through a symlinked directory (merged /usr)', async () => {
    const checks = await checksFor('layered')
    expect(checks['entrypoint-exists']).toMatchObject({
      passed: true,
      details: ['/bin/app is /bin/app'],
    })
  })
})
