import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryClient } from '../../actions/lib/registry/registry-client'
import { parsePinnedImage } from '../../actions/lib/supply-chain/pinned-image'
import {
  attachReferrer,
  fallbackTag,
  findBundleReferrers,
  imageDescriptor,
  readReferrerBundle,
} from '../../actions/lib/supply-chain/referrers'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { type KeyPairFiles, pushUniqueImage, writeKeyPair } from '../support/signing-fixtures'

let registry: LoopbackRegistry
let keys: KeyPairFiles
const cwd = process.cwd()
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }
const builder =
  'https://github.com/example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1'
const baseImage = `registry.example/distroless/nodejs@sha256:${'b'.repeat(64)}`

beforeAll(async () => {
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
})

afterAll(async () => {
  await registry?.stop()
  if (keys) rmSync(keys.dir, { recursive: true, force: true })
})

async function signAndAttest(
  image: string,
  repository = 'example-org/payments',
  builderId = builder,
) {
  const signed = await runCli(
    ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
    cwd,
    env,
  )
  expect(signed.stderr).toBe('')
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
      repository,
      '--source-ref',
      'refs/heads/main',
      '--source-commit',
      'c0ffee'.padEnd(40, '0'),
      '--workflow-path',
      '.github/workflows/release.yml',
      '--input',
      'environment=dev',
      '--base-image',
      baseImage,
      '--builder-id',
      builderId,
      '--output',
      'json',
    ],
    cwd,
    env,
  )
  expect(attested.stderr).toBe('')
  expect(attested.code).toBe(0)
  return JSON.parse(attested.stdout) as { predicateType: string; referrer: string }
}

const verify = (image: string, extra: string[]) =>
  runCli(
    ['verify-image', '--image', image, '--key', keys.publicKey, '--tls-verify', 'false', ...extra],
    cwd,
    env,
  )

const policy = [
  '--require-attestation',
  'slsaprovenance1',
  '--source-repository',
  'example-org/payments',
  '--builder-id-regexp',
  '^https://github\\.com/example-org/golden-path/\\.github/workflows/deliver\\.yml@refs/tags/v\\d+$',
]

describe('golden-path attest and verify-image --require-attestation', () => {
  it('passes a signed digest whose SLSA provenance names the expected repository and builder', async () => {
    const image = pushUniqueImage(registry.host, 'team/payments')
    const attested = await signAndAttest(image)
    expect(attested.predicateType).toBe('https://slsa.dev/provenance/v1')
    const result = await verify(image, [...policy, '--output', 'json'])
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({
      verified: true,
      foundVia: 'fallback-tag',
      attestations: [
        {
          type: 'slsaprovenance1',
          verified: true,
          builderId: builder,
          sourceRepository: 'example-org/payments',
        },
      ],
      problems: [],
    })
  })

  it('stores the provenance as an in-toto statement about the digest with the build facts', async () => {
    const image = pushUniqueImage(registry.host, 'team/facts')
    await signAndAttest(image)
    const pinned = parsePinnedImage(image)
    const client = new RegistryClient(pinned.registry, undefined, { tlsVerify: false })
    const found = await findBundleReferrers(client, pinned.repository, pinned.digest)
    const provenance = found.descriptors.find(
      (entry) =>
        entry.annotations?.['dev.sigstore.bundle.predicateType'] ===
        'https://slsa.dev/provenance/v1',
    )
    expect(provenance).toBeDefined()
    const stored = await readReferrerBundle(client, pinned.repository, provenance!)
    const bundle = JSON.parse(stored!.bundle.toString())
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString())
    expect(statement.subject[0].digest.sha256).toBe(pinned.digest.slice(7))
    expect(statement.predicate.buildDefinition.externalParameters).toMatchObject({
      repository: 'example-org/payments',
      ref: 'refs/heads/main',
      workflow: { path: '.github/workflows/release.yml' },
      inputs: { environment: 'dev' },
    })
    expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([
      {
        uri: `git+https://github.com/example-org/payments@refs/heads/main`,
        digest: { gitCommit: 'c0ffee'.padEnd(40, '0') },
      },
      {
        uri: `oci://registry.example/distroless/nodejs`,
        name: 'registry.example/distroless/nodejs',
        digest: { sha256: 'b'.repeat(64) },
      },
    ])
    expect(statement.predicate.runDetails.builder.id).toBe(builder)
  })

  it('refuses provenance from another repository', async () => {
    const image = pushUniqueImage(registry.host, 'team/forked')
    await signAndAttest(image, 'someone-else/payments')
    const result = await verify(image, policy)
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(
      /provenance names source repository someone-else\/payments, not example-org\/payments/,
    )
  })

  it('refuses provenance from another builder', async () => {
    const image = pushUniqueImage(registry.host, 'team/laptop')
    await signAndAttest(
      image,
      'example-org/payments',
      'https://golden-path.dev/builders/deliver-local/v1',
    )
    const result = await verify(image, policy)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /provenance names builder https:\/\/golden-path\.dev\/builders\/deliver-local\/v1, which does not match/,
    )
  })

  it('refuses a signed digest that lacks a required attestation', async () => {
    const image = pushUniqueImage(registry.host, 'team/no-sbom')
    await signAndAttest(image)
    const result = await verify(image, [...policy, '--require-attestation', 'cyclonedx'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no valid cyclonedx attestation/)
  })

  it('refuses a provenance whose payload was altered after signing', async () => {
    const image = pushUniqueImage(registry.host, 'team/tampered')
    await signAndAttest(image, 'someone-else/payments')
    const pinned = parsePinnedImage(image)
    const client = new RegistryClient(pinned.registry, undefined, { tlsVerify: false })
    const found = await findBundleReferrers(client, pinned.repository, pinned.digest)
    const subject = await imageDescriptor(client, pinned.repository, pinned.digest)
    const kept = []
    for (const descriptor of found.descriptors) {
      const stored = await readReferrerBundle(client, pinned.repository, descriptor)
      if (
        descriptor.annotations?.['dev.sigstore.bundle.predicateType'] !==
        'https://slsa.dev/provenance/v1'
      ) {
        kept.push(descriptor)
        continue
      }
      // Rewrite the signed statement to claim the expected repository, keeping the signature.
      const bundle = JSON.parse(stored!.bundle.toString())
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString())
      statement.predicate.buildDefinition.externalParameters.repository = 'example-org/payments'
      bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64')
      const attached = await attachReferrer(client, {
        repository: pinned.repository,
        subject: subject!,
        bundle: Buffer.from(JSON.stringify(bundle)),
        annotations: descriptor.annotations ?? {},
      })
      kept.push({ ...descriptor, digest: attached.digest })
    }
    // Only the signature and the altered provenance stay listed under the fallback tag.
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: kept,
    }
    await client.putManifest(
      pinned.repository,
      fallbackTag(pinned.digest),
      Buffer.from(JSON.stringify(index)),
      index.mediaType,
    )
    const result = await verify(image, policy)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no valid slsaprovenance1 attestation .*altered after signing/)
  })
})
