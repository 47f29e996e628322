import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { requireTools } from '../support/required-tools'
import {
  cosign,
  cosignRun as cosignRunWith,
  importCosignKey,
  type KeyPairFiles,
  pushUniqueImage,
  writeKeyPair,
} from '../support/signing-fixtures'

// Interoperability with the real cosign v3 against a registry without the referrers API
// (Debian's docker-registry 2.8), key-based with the transparency log off.
let registry: LoopbackRegistry
let keys: KeyPairFiles
const cwd = process.cwd()
const cliEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }
const insecure = ['--allow-http-registry', '--allow-insecure-registry']

const cosignRun = (args: string[]) => cosignRunWith(keys, args)

beforeAll(async () => {
  requireTools(cosign)
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
  const imported = await importCosignKey(keys)
  expect(imported.code, imported.stderr).toBe(0)
})

afterAll(async () => {
  await registry?.stop()
  if (keys) rmSync(keys.dir, { recursive: true, force: true })
})

const cosignKey = () => join(keys.dir, 'cosign.key')

describe('cosign v3.1.3 and golden-path read each other', () => {
  it('cosign verify accepts a signature golden-path stored', async () => {
    const image = pushUniqueImage(registry.host, 'interop/gp-signed')
    const signed = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      cliEnv,
    )
    expect(signed.code, signed.stderr).toBe(0)
    const verified = await cosignRun([
      'verify',
      '--key',
      keys.publicKey,
      '--insecure-ignore-tlog=true',
      ...insecure,
      image,
    ])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stderr).toMatch(/The signatures were verified against the specified public key/)
  })

  it('cosign verify-attestation accepts provenance golden-path stored', async () => {
    const image = pushUniqueImage(registry.host, 'interop/gp-attested')
    const attested = await runCli(
      [
        'attest',
        '--image',
        image,
        '--type',
        'slsaprovenance1',
        '--key',
        keys.privateKey,
        '--tls-verify',
        'false',
        '--source-repository',
        'example-org/payments',
        '--source-commit',
        'f'.repeat(40),
        '--builder-id',
        'https://github.com/example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1',
      ],
      cwd,
      cliEnv,
    )
    expect(attested.code, attested.stderr).toBe(0)
    const verified = await cosignRun([
      'verify-attestation',
      '--type',
      'slsaprovenance1',
      '--key',
      keys.publicKey,
      '--insecure-ignore-tlog=true',
      ...insecure,
      image,
    ])
    expect(verified.code, verified.stderr).toBe(0)
    const envelope = JSON.parse(verified.stdout.trim().split('\n')[0]!)
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString())
    expect(statement.predicate.buildDefinition.externalParameters.repository).toBe(
      'example-org/payments',
    )
  })

  it('cosign verify refuses a golden-path signature by another key', async () => {
    const image = pushUniqueImage(registry.host, 'interop/gp-other-key')
    const other = writeKeyPair()
    try {
      expect(
        (
          await runCli(
            ['sign', '--image', image, '--key', other.privateKey, '--tls-verify', 'false'],
            cwd,
            cliEnv,
          )
        ).code,
      ).toBe(0)
      const verified = await cosignRun([
        'verify',
        '--key',
        keys.publicKey,
        '--insecure-ignore-tlog=true',
        ...insecure,
        image,
      ])
      expect(verified.code).not.toBe(0)
    } finally {
      rmSync(other.dir, { recursive: true, force: true })
    }
  })

  it('golden-path verify-image accepts a signature and provenance cosign stored', async () => {
    const image = pushUniqueImage(registry.host, 'interop/cosign-signed')
    const signed = await cosignRun([
      'sign',
      '--key',
      cosignKey(),
      '--use-signing-config=false',
      '--tlog-upload=false',
      ...insecure,
      '-y',
      image,
    ])
    expect(signed.code, signed.stderr).toBe(0)
    const predicate = join(keys.dir, 'provenance.json')
    writeFileSync(
      predicate,
      JSON.stringify({
        buildDefinition: {
          buildType: 'https://example.com/build',
          externalParameters: { repository: 'example-org/payments' },
        },
        runDetails: {
          builder: {
            id: 'https://github.com/example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1',
          },
        },
      }),
    )
    const attested = await cosignRun([
      'attest',
      '--key',
      cosignKey(),
      '--type',
      'slsaprovenance1',
      '--predicate',
      predicate,
      '--use-signing-config=false',
      '--tlog-upload=false',
      ...insecure,
      '-y',
      image,
    ])
    expect(attested.code, attested.stderr).toBe(0)
    const verified = await runCli(
      [
        'verify-image',
        '--image',
        image,
        '--key',
        keys.publicKey,
        '--tls-verify',
        'false',
        '--require-attestation',
        'slsaprovenance1',
        '--source-repository',
        'example-org/payments',
        '--builder-id-regexp',
        '/deliver\\.yml@refs/tags/v1$',
      ],
      cwd,
      cliEnv,
    )
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/^verified .*attested slsaprovenance1 .*found via fallback-tag/)
  })

  it('golden-path verify-image refuses a cosign signature made for another digest', async () => {
    const signedImage = pushUniqueImage(registry.host, 'interop/cosign-other')
    const otherImage = pushUniqueImage(registry.host, 'interop/cosign-other')
    expect(
      (
        await cosignRun([
          'sign',
          '--key',
          cosignKey(),
          '--use-signing-config=false',
          '--tlog-upload=false',
          ...insecure,
          '-y',
          signedImage,
        ])
      ).code,
    ).toBe(0)
    const result = await runCli(
      ['verify-image', '--image', otherImage, '--key', keys.publicKey, '--tls-verify', 'false'],
      cwd,
      cliEnv,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/unsigned digest/)
  })
})
