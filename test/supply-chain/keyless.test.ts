import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { pushUniqueImage } from '../support/signing-fixtures'
import { fakeIssuer, type SigstoreFakes, startSigstoreFakes } from '../support/sigstore-fakes'

// Fulcio and Rekor cannot be reached from here: they are loopback fakes built from
// @sigstore/mock (see test/support/sigstore-fakes.ts). The signing and verification code
// under test is the real one, talking HTTP to them.
const deliverRef = 'example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1'
let registry: LoopbackRegistry
let fakes: SigstoreFakes
let dir: string
const cwd = process.cwd()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'golden-path-keyless-'))
  registry = await startLoopbackRegistry()
  fakes = await startSigstoreFakes(dir, {
    job_workflow_ref: deliverRef,
    repository: 'example-org/payments',
  })
})

afterAll(async () => {
  await registry?.stop()
  await fakes?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function keyless(args: string[], env: NodeJS.ProcessEnv) {
  return runCli(
    [
      ...args,
      '--keyless',
      '--fulcio-url',
      fakes.url,
      '--rekor-url',
      fakes.url,
      '--tls-verify',
      'false',
    ],
    cwd,
    env,
  )
}

const identity = (regexp: string) => [
  '--certificate-identity-regexp',
  regexp,
  '--certificate-oidc-issuer',
  fakeIssuer,
  '--trusted-root',
  fakes.trustedRootPath,
  '--tls-verify',
  'false',
]

describe('keyless signing (GitHub OIDC token -> Fulcio -> Rekor)', () => {
  it('signs and attests with the job identity and verifies against subject and issuer', async () => {
    const env = {
      PATH: process.env.PATH,
      ...fakes.oidcEnv,
      GITHUB_REPOSITORY: 'example-org/payments',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REF: 'refs/heads/main',
    }
    const image = pushUniqueImage(registry.host, 'team/keyless')
    const signed = await keyless(['sign', '--image', image, '--output', 'json'], env)
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    expect(JSON.parse(signed.stdout)).toMatchObject({
      method: 'keyless',
      logIndex: expect.any(String),
    })
    const attested = await keyless(['attest', '--image', image, '--type', 'slsaprovenance1'], env)
    expect(attested.stderr).toBe('')
    expect(attested.code).toBe(0)
    expect(fakes.issued()).toBeGreaterThanOrEqual(2)
    const verified = await runCli(
      [
        'verify-image',
        '--image',
        image,
        ...identity(`^https://github\\.com/${deliverRef.replace(/[.]/g, '\\.')}$`),
        '--require-attestation',
        'slsaprovenance1',
        '--source-repository',
        'example-org/payments',
        '--builder-id-regexp',
        '/deliver\\.yml@refs/tags/v1$',
        '--output',
        'json',
      ],
      cwd,
    )
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    const report = JSON.parse(verified.stdout)
    // The builder id in the provenance is the reusable workflow's ref from the token.
    expect(report.attestations[0].builderId).toBe(`https://github.com/${deliverRef}`)
    expect(report.signature.signer).toContain(`https://github.com/${deliverRef}`)
  })

  it('refuses a keyless signature from another identity', async () => {
    const env = { PATH: process.env.PATH, ...fakes.oidcEnv }
    const image = pushUniqueImage(registry.host, 'team/keyless-other')
    expect((await keyless(['sign', '--image', image], env)).code).toBe(0)
    const result = await runCli(
      ['verify-image', '--image', image, ...identity('^https://github\\.com/other-org/')],
      cwd,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /signed by https:\/\/github\.com\/example-org\/golden-path\/.*, which does not match/,
    )
  })

  it('says what is missing when the job has no OIDC token', async () => {
    const image = pushUniqueImage(registry.host, 'team/no-token')
    const result = await keyless(['sign', '--image', image], { PATH: process.env.PATH })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/id-token: write/)
  })
})
