import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { type KeyPairFiles, pushUniqueImage, writeKeyPair } from '../support/signing-fixtures'

let registry: LoopbackRegistry
let keys: KeyPairFiles
let otherKeys: KeyPairFiles
const cwd = process.cwd()
const env = { ...process.env, REGISTRY_USERNAME: '', REGISTRY_PASSWORD: '' }

beforeAll(async () => {
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
  otherKeys = writeKeyPair()
})

afterAll(async () => {
  await registry?.stop()
  for (const pair of [keys, otherKeys]) if (pair) rmSync(pair.dir, { recursive: true, force: true })
})

const sign = (image: string, key: string, extra: string[] = [], stdin?: string) =>
  runCli(
    ['sign', '--image', image, '--key', key, '--tls-verify', 'false', ...extra],
    cwd,
    env,
    stdin,
  )
const verify = (image: string, publicKey: string, extra: string[] = []) =>
  runCli(
    ['verify-image', '--image', image, '--key', publicKey, '--tls-verify', 'false', ...extra],
    cwd,
    env,
  )

describe('golden-path sign and verify-image with a key (registry without the referrers API)', () => {
  it('verifies a digest it signed, found through the sha256-<hex> fallback tag', async () => {
    const image = pushUniqueImage(registry.host, 'team/payments')
    const signed = await sign(image, keys.privateKey, ['--output', 'json'])
    expect(signed.stderr).toBe('')
    expect(signed.code).toBe(0)
    expect(JSON.parse(signed.stdout)).toMatchObject({
      image,
      storedVia: 'fallback-tag',
      method: 'key',
    })
    const verified = await verify(image, keys.publicKey)
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/^verified .* \(found via fallback-tag\)\n$/)
  })

  it('signs with an encrypted key whose password comes from stdin, and never prints it', async () => {
    const image = pushUniqueImage(registry.host, 'team/encrypted')
    const signed = await sign(
      image,
      keys.encryptedKey,
      ['--key-password-stdin'],
      `${keys.password}\n`,
    )
    expect(signed.code).toBe(0)
    expect(signed.stdout + signed.stderr).not.toContain(keys.password)
    expect((await verify(image, keys.publicKey)).code).toBe(0)
    const wrong = await sign(
      image,
      keys.encryptedKey,
      ['--key-password-stdin'],
      'not-the-password\n',
    )
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/^golden-path sign: cannot decrypt --key .*password is wrong/)
    expect(wrong.stderr).not.toContain('not-the-password')
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1)
    const missing = await sign(image, keys.encryptedKey)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(
      /encrypted: pass its password on stdin with --key-password-stdin/,
    )
  })

  it('refuses an unsigned digest with one line', async () => {
    const image = pushUniqueImage(registry.host, 'team/unsigned')
    const result = await verify(image, keys.publicKey)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(/not verified: no signature stored for .* \(unsigned digest\)/)
  })

  it('refuses a signature made by another key', async () => {
    const image = pushUniqueImage(registry.host, 'team/other-key')
    expect((await sign(image, otherKeys.privateKey)).code).toBe(0)
    const result = await verify(image, keys.publicKey)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/not verified: no valid signature .*signed by another key/)
  })

  it('refuses a digest whose only signature is for another digest', async () => {
    const first = pushUniqueImage(registry.host, 'team/moved')
    const second = pushUniqueImage(registry.host, 'team/moved')
    expect((await sign(first, keys.privateKey)).code).toBe(0)
    expect((await verify(first, keys.publicKey)).code).toBe(0)
    const result = await verify(second, keys.publicKey)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/unsigned digest/)
  })

  it('answers usage errors with exit 2 and one line', async () => {
    const tagOnly = await runCli(
      ['verify-image', '--image', `${registry.host}/a:latest`, '--key', keys.publicKey],
      cwd,
      env,
    )
    expect(tagOnly.code).toBe(2)
    expect(tagOnly.stderr).toMatch(/pin the image by digest/)
    const noSigner = await runCli(
      ['verify-image', '--image', `${registry.host}/a@sha256:${'a'.repeat(64)}`],
      cwd,
      env,
    )
    expect(noSigner.code).toBe(2)
    expect(noSigner.stderr).toMatch(/name the signer/)
    const privateAsPublic = await verify(
      `${registry.host}/a@sha256:${'a'.repeat(64)}`,
      keys.privateKey,
    )
    expect(privateAsPublic.code).toBe(2)
    expect(privateAsPublic.stderr).toMatch(/is not a PEM public key/)
    expect(privateAsPublic.stderr).not.toMatch(/PRIVATE KEY|MIG/)
    const both = await runCli(
      [
        'sign',
        '--image',
        `${registry.host}/a@sha256:${'a'.repeat(64)}`,
        '--key',
        keys.privateKey,
        '--keyless',
      ],
      cwd,
      env,
    )
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/exactly one of --key PEM or --keyless/)
  })
})
