import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryClient } from '../../actions/lib/registry/registry-client'
import { parsePinnedImage } from '../../actions/lib/supply-chain/pinned-image'
import { findBundleReferrers, readReferrerBundle } from '../../actions/lib/supply-chain/referrers'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { requireTools } from '../support/required-tools'
import { type KeyPairFiles, pushUniqueImage, syft, writeKeyPair } from '../support/signing-fixtures'

let registry: LoopbackRegistry
let keys: KeyPairFiles
const cwd = process.cwd()
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }

beforeAll(async () => {
  requireTools(syft)
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
})

afterAll(async () => {
  await registry?.stop()
  if (keys) rmSync(keys.dir, { recursive: true, force: true })
})

describe('golden-path attest --type cyclonedx (syft)', () => {
  it('attests a CycloneDX 1.6 SBOM of the image contents read from the registry', async () => {
    const image = pushUniqueImage(registry.host, 'sbom/payments', {
      'app/node_modules/left-pad/package.json': JSON.stringify({
        name: 'left-pad',
        version: '1.3.0',
        license: 'WTFPL',
      }),
    })
    const attested = await runCli(
      [
        'attest',
        '--image',
        image,
        '--type',
        'cyclonedx',
        '--key',
        keys.privateKey,
        '--tls-verify',
        'false',
      ],
      cwd,
      env,
    )
    expect(attested.stderr).toBe('')
    expect(attested.code).toBe(0)
    const signed = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      env,
    )
    expect(signed.code).toBe(0)
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
        'cyclonedx',
      ],
      cwd,
      env,
    )
    expect(verified.code).toBe(0)
    const pinned = parsePinnedImage(image)
    const client = new RegistryClient(pinned.registry, undefined, { tlsVerify: false })
    const { descriptors } = await findBundleReferrers(client, pinned.repository, pinned.digest)
    const sbom = descriptors.find(
      (entry) =>
        entry.annotations?.['dev.sigstore.bundle.predicateType'] === 'https://cyclonedx.org/bom',
    )
    const bundle = JSON.parse(
      (await readReferrerBundle(client, pinned.repository, sbom!))!.bundle.toString(),
    )
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString())
    expect(statement.predicate).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' })
    expect(
      statement.predicate.components.map((component: { name: string }) => component.name),
    ).toContain('left-pad')
  })
})
