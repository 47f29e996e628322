import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { type KeyPairFiles, pushUniqueImage, writeKeyPair } from '../support/signing-fixtures'

let registry: LoopbackRegistry
let keys: KeyPairFiles
let dir: string
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }

beforeAll(async () => {
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
  dir = mkdtempSync(join(tmpdir(), 'golden-path-gate-'))
})

afterAll(async () => {
  await registry?.stop()
  for (const path of [keys?.dir, dir]) if (path) rmSync(path, { recursive: true, force: true })
})

function kustomization(image: string): string {
  const overlay = mkdtempSync(join(dir, 'overlay-'))
  const file = join(overlay, 'kustomization.yaml')
  writeFileSync(
    file,
    `resources: [deployment.yaml]\nimages:\n  - name: ${image}\n    newTag: old # keep\n`,
  )
  return file
}

function bump(file: string, image: string, extra: string[]) {
  const [repository, digest] = image.split('@') as [string, string]
  return runCli(
    [
      'bump',
      '--image',
      repository,
      '--digest',
      digest,
      '--file',
      file,
      '--require-signature',
      '--key',
      keys.publicKey,
      '--tls-verify',
      'false',
      ...extra,
    ],
    dir,
    env,
  )
}

describe('golden-path bump --require-signature', () => {
  it('writes a digest that is signed by the expected key', async () => {
    const image = pushUniqueImage(registry.host, 'team/gated')
    expect(
      (
        await runCli(
          ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
          dir,
          env,
        )
      ).code,
    ).toBe(0)
    const file = kustomization(image.split('@')[0]!)
    const result = await bump(file, image, [])
    expect(result.stderr).not.toMatch(/refusing/)
    expect(result.code).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain(image.split('@')[1])
  })

  it('refuses an unsigned digest and leaves the file untouched', async () => {
    const image = pushUniqueImage(registry.host, 'team/ungated')
    const file = kustomization(image.split('@')[0]!)
    const before = readFileSync(file, 'utf8')
    const result = await bump(file, image, [])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(
      /^golden-path bump: refusing to write unverified image\(s\): .*unsigned digest/,
    )
    expect(readFileSync(file, 'utf8')).toBe(before)
  })

  it('refuses a signed digest without the required provenance', async () => {
    const image = pushUniqueImage(registry.host, 'team/no-provenance')
    await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      dir,
      env,
    )
    const file = kustomization(image.split('@')[0]!)
    const result = await bump(file, image, ['--require-attestation', 'slsaprovenance1'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no valid slsaprovenance1 attestation/)
  })

  it('needs a digest and refuses policy flags without --require-signature', async () => {
    const file = kustomization(`${registry.host}/team/x`)
    const tagOnly = await runCli(
      [
        'bump',
        '--image',
        `${registry.host}/team/x`,
        '--tag',
        'v2',
        '--file',
        file,
        '--require-signature',
        '--key',
        keys.publicKey,
      ],
      dir,
      env,
    )
    expect(tagOnly.code).toBe(2)
    expect(tagOnly.stderr).toMatch(/needs a digest/)
    const stray = await runCli(
      [
        'bump',
        '--image',
        `${registry.host}/team/x`,
        '--tag',
        'v2',
        '--file',
        file,
        '--key',
        keys.publicKey,
      ],
      dir,
      env,
    )
    expect(stray.code).toBe(2)
    expect(stray.stderr).toMatch(/need --require-signature/)
  })
})
