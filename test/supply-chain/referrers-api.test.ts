import { rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryClient, sha256Digest } from '../../actions/lib/registry/registry-client'
import {
  Annotation,
  cosignSignPredicateType,
  cycloneDxPredicateType,
  MediaType,
  slsaProvenanceV1PredicateType,
} from '../../actions/lib/supply-chain/media-types'
import { parsePinnedImage } from '../../actions/lib/supply-chain/pinned-image'
import {
  attachReferrer,
  fallbackTag,
  imageDescriptor,
} from '../../actions/lib/supply-chain/referrers'
import { runCli } from '../support/cli-io'
import { type ReferrersRegistry, startReferrersRegistry } from '../support/referrers-registry'
import { requireTools } from '../support/required-tools'
import {
  cosign,
  cosignRun as cosignRunWith,
  importCosignKey,
  type KeyPairFiles,
  pushUniqueImage,
  verifyImageArgs,
  writeKeyPair,
} from '../support/signing-fixtures'

// Signing and verification through the OCI 1.1 referrers API, against a real registry that
// implements it (go-containerregistry's, built from scripts/oci-registry by setup.sh), and
// interoperability both ways with the real cosign v3, key-based with the transparency log off.
let registry: ReferrersRegistry
let keys: KeyPairFiles
const cwd = process.cwd()
const cliEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }
const insecure = ['--allow-http-registry', '--allow-insecure-registry']
const builder =
  'https://github.com/example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1'

interface ReferrerManifest {
  artifactType?: string
  config: { mediaType: string }
  layers: { mediaType: string; digest: string }[]
  subject?: { digest: string }
  annotations?: Record<string, string>
}

const cosignRun = (args: string[]) => cosignRunWith(keys, args)

const cosignKey = () => join(keys.dir, 'cosign.key')

/** What GET /v2/<name>/referrers/<digest> answers, read without golden-path's client. */
async function listReferrers(image: string) {
  const { registry: host, repository, digest } = parsePinnedImage(image)
  const response = await fetch(`http://${host}/v2/${repository}/referrers/${digest}`, {
    headers: { accept: MediaType.ociIndex },
  })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe(MediaType.ociIndex)
  return (await response.json()) as { manifests: { digest: string; artifactType?: string }[] }
}

async function getManifest(image: string, reference: string) {
  const { registry: host, repository } = parsePinnedImage(image)
  return fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: [MediaType.ociManifest, MediaType.ociIndex].join(', ') },
  })
}

async function referrerManifest(image: string, digest: string): Promise<ReferrerManifest> {
  const response = await getManifest(image, digest)
  expect(response.status).toBe(200)
  return (await response.json()) as ReferrerManifest
}

/** Whether anything is stored under the image's OCI 1.1 fallback tag `sha256-<hex>`. */
async function fallbackTagStatus(image: string): Promise<number> {
  const response = await getManifest(image, fallbackTag(parsePinnedImage(image).digest))
  await response.arrayBuffer()
  return response.status
}

function gp(args: string[]) {
  return runCli(args, cwd, cliEnv)
}

function verifyImage(image: string, publicKey: string, extra: string[] = []) {
  return gp(verifyImageArgs(image, publicKey, [], ['--output', 'json', ...extra]))
}

async function goldenPathSign(image: string, privateKey = keys.privateKey) {
  const signed = await gp([
    'sign',
    '--image',
    image,
    '--key',
    privateKey,
    '--tls-verify',
    'false',
    '--output',
    'json',
  ])
  expect(signed.stderr).toBe('')
  expect(signed.code).toBe(0)
  return JSON.parse(signed.stdout) as { referrer: string; storedVia: string }
}

async function goldenPathAttestProvenance(image: string) {
  const attested = await gp([
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
    builder,
    '--output',
    'json',
  ])
  expect(attested.stderr).toBe('')
  expect(attested.code).toBe(0)
  return JSON.parse(attested.stdout) as { referrer: string; storedVia: string }
}

beforeAll(async () => {
  requireTools(cosign)
  registry = await startReferrersRegistry()
  keys = writeKeyPair()
  const imported = await importCosignKey(keys)
  expect(imported.code, imported.stderr).toBe(0)
})

afterAll(async () => {
  await registry?.stop()
  if (keys) rmSync(keys.dir, { recursive: true, force: true })
})

describe('golden-path on a registry with the OCI 1.1 referrers API', () => {
  it('stores signature, provenance and SBOM as referrers the API lists, and writes no fallback tag', async () => {
    const image = pushUniqueImage(registry.host, 'api/payments')
    const signed = await goldenPathSign(image)
    const provenance = await goldenPathAttestProvenance(image)
    const sbomFile = join(keys.dir, 'sbom.cdx.json')
    writeFileSync(
      sbomFile,
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        version: 1,
        components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }],
      }),
    )
    const sbomRun = await gp([
      'attest',
      '--image',
      image,
      '--type',
      'cyclonedx',
      '--sbom',
      sbomFile,
      '--key',
      keys.privateKey,
      '--tls-verify',
      'false',
      '--output',
      'json',
    ])
    expect(sbomRun.stderr).toBe('')
    expect(sbomRun.code).toBe(0)
    const sbom = JSON.parse(sbomRun.stdout) as { referrer: string; storedVia: string }
    for (const stored of [signed, provenance, sbom]) expect(stored.storedVia).toBe('referrers-api')

    const listed = await listReferrers(image)
    expect(listed.manifests.map((entry) => entry.digest).sort()).toEqual(
      [signed.referrer, provenance.referrer, sbom.referrer].sort(),
    )
    const { digest } = parsePinnedImage(image)
    const predicateTypes: Record<string, string | undefined> = {}
    for (const { digest: referrer } of listed.manifests) {
      const manifest = await referrerManifest(image, referrer)
      expect(manifest.subject?.digest).toBe(digest)
      expect(manifest.artifactType).toBe(MediaType.sigstoreBundle)
      expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([MediaType.sigstoreBundle])
      predicateTypes[referrer] = manifest.annotations?.[Annotation.predicateType]
    }
    expect(predicateTypes).toEqual({
      [signed.referrer]: cosignSignPredicateType,
      [provenance.referrer]: slsaProvenanceV1PredicateType,
      [sbom.referrer]: cycloneDxPredicateType,
    })
    expect(await fallbackTagStatus(image)).toBe(404)

    const verified = await verifyImage(image, keys.publicKey, [
      '--require-attestation',
      'slsaprovenance1',
      '--require-attestation',
      'cyclonedx',
      '--source-repository',
      'example-org/payments',
      '--builder-id-regexp',
      '/deliver\\.yml@refs/tags/v1$',
    ])
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    const result = JSON.parse(verified.stdout)
    expect(result).toMatchObject({
      verified: true,
      foundVia: 'referrers-api',
      signature: { verified: true },
      problems: [],
    })
    expect(result.attestations.map((entry: { verified: boolean }) => entry.verified)).toEqual([
      true,
      true,
    ])
  })

  it('cosign verify and verify-attestation accept what golden-path stored through the API', async () => {
    const image = pushUniqueImage(registry.host, 'api/gp-signed')
    await goldenPathSign(image)
    await goldenPathAttestProvenance(image)
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
    const attested = await cosignRun([
      'verify-attestation',
      '--type',
      'slsaprovenance1',
      '--key',
      keys.publicKey,
      '--insecure-ignore-tlog=true',
      ...insecure,
      image,
    ])
    expect(attested.code, attested.stderr).toBe(0)
    const envelope = JSON.parse(attested.stdout.trim().split('\n')[0]!)
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString())
    expect(statement.predicate.runDetails.builder.id).toBe(builder)
    expect(await fallbackTagStatus(image)).toBe(404)
  })

  it('golden-path verify-image accepts what cosign stored through the API', async () => {
    const image = pushUniqueImage(registry.host, 'api/cosign-signed')
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
        runDetails: { builder: { id: builder } },
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
    // cosign v3 stored both bundles through the API: the registry lists them, no tag exists.
    expect((await listReferrers(image)).manifests).toHaveLength(2)
    expect(await fallbackTagStatus(image)).toBe(404)

    const verified = await verifyImage(image, keys.publicKey, [
      '--require-attestation',
      'slsaprovenance1',
      '--source-repository',
      'example-org/payments',
      '--builder-id-regexp',
      '/deliver\\.yml@refs/tags/v1$',
    ])
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({
      verified: true,
      foundVia: 'referrers-api',
      attestations: [{ type: 'slsaprovenance1', verified: true }],
    })
  })
})

describe('refusals on a registry with the referrers API', () => {
  it('refuses a signature by another key in one line (exit 1)', async () => {
    const image = pushUniqueImage(registry.host, 'api/other-key')
    const other = writeKeyPair()
    try {
      await goldenPathSign(image, other.privateKey)
      const result = await gp([
        'verify-image',
        '--image',
        image,
        '--key',
        keys.publicKey,
        '--tls-verify',
        'false',
      ])
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(/signed by another key/)
      const cosignVerdict = await cosignRun([
        'verify',
        '--key',
        keys.publicKey,
        '--insecure-ignore-tlog=true',
        ...insecure,
        image,
      ])
      expect(cosignVerdict.code).not.toBe(0)
    } finally {
      rmSync(other.dir, { recursive: true, force: true })
    }
  })

  it('refuses a digest whose only signature is for another digest in one line (exit 1)', async () => {
    const signedImage = pushUniqueImage(registry.host, 'api/other-digest')
    const unsignedImage = pushUniqueImage(registry.host, 'api/other-digest')
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
    const unsigned = await gp([
      'verify-image',
      '--image',
      unsignedImage,
      '--key',
      keys.publicKey,
      '--tls-verify',
      'false',
    ])
    expect(unsigned.code).toBe(1)
    expect(unsigned.stderr.trim().split('\n')).toHaveLength(1)
    expect(unsigned.stderr).toMatch(/unsigned digest/)

    // The signed image's bundle replayed as a referrer of the other digest: the registry
    // lists it for that digest, and the signed statement names the first one.
    const pinned = parsePinnedImage(signedImage)
    const client = new RegistryClient(pinned.registry, undefined, { tlsVerify: false })
    const [cosignReferrer] = (await listReferrers(signedImage)).manifests
    const manifest = await referrerManifest(signedImage, cosignReferrer!.digest)
    const bundle = await client.getBlob(pinned.repository, manifest.layers[0]!.digest)
    const target = parsePinnedImage(unsignedImage)
    const subject = await imageDescriptor(client, target.repository, target.digest)
    const replayed = await attachReferrer(client, {
      repository: target.repository,
      subject: subject!,
      bundle,
      annotations: manifest.annotations ?? {},
    })
    expect(replayed.storedVia).toBe('referrers-api')
    const result = await gp([
      'verify-image',
      '--image',
      unsignedImage,
      '--key',
      keys.publicKey,
      '--tls-verify',
      'false',
    ])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain(`signed for another digest (${pinned.digest})`)
  })
})

describe('a registry with the referrers API and a signature under the fallback tag only', () => {
  /**
   * The state a migration leaves behind: a Sigstore bundle for the digest listed in the
   * `sha256-<hex>` index (the OCI 1.1 tag scheme a client writes for a registry without the
   * API), its referrer manifest one the registry does not index (here: without `subject`).
   */
  async function signUnderFallbackTagOnly(image: string) {
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
    const pinned = parsePinnedImage(image)
    const client = new RegistryClient(pinned.registry, undefined, { tlsVerify: false })
    const [listed] = (await listReferrers(image)).manifests
    const original = await referrerManifest(image, listed!.digest)
    // Move the bundle out of the API's sight: delete the indexed manifest, store a copy
    // without subject, and list that copy under the fallback tag.
    const deleted = await fetch(
      `http://${pinned.registry}/v2/${pinned.repository}/manifests/${listed!.digest}`,
      { method: 'DELETE' },
    )
    expect(deleted.status).toBe(202)
    const { subject: _subject, ...unindexed } = original
    const bytes = Buffer.from(JSON.stringify(unindexed))
    await client.putManifest(pinned.repository, sha256Digest(bytes), bytes, MediaType.ociManifest)
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: sha256Digest(bytes),
          size: bytes.length,
          artifactType: MediaType.sigstoreBundle,
          annotations: original.annotations,
        },
      ],
    }
    await client.putManifest(
      pinned.repository,
      fallbackTag(pinned.digest),
      Buffer.from(JSON.stringify(index)),
      MediaType.ociIndex,
    )
    expect((await listReferrers(image)).manifests).toEqual([])
    expect(await fallbackTagStatus(image)).toBe(200)
  }

  it('reads only the API, as cosign v3 does, and says the fallback tag holds what it did not read', async () => {
    const image = pushUniqueImage(registry.host, 'api/mixed')
    await signUnderFallbackTagOnly(image)

    // cosign v3 reads the referrers API alone when the registry answers it.
    const cosignVerdict = await cosignRun([
      'verify',
      '--key',
      keys.publicKey,
      '--insecure-ignore-tlog=true',
      ...insecure,
      image,
    ])
    expect(cosignVerdict.code).not.toBe(0)

    const refused = await verifyImage(image, keys.publicKey)
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(
      /fallback tag sha256-[0-9a-f]{64} lists 1 Sigstore bundle the registry's referrers API does not/,
    )
    expect(refused.stderr).toMatch(/sign and attest again/)
    const result = JSON.parse(refused.stdout)
    expect(result).toMatchObject({ verified: false, foundVia: 'referrers-api' })

    // Signing again stores the bundle where the API lists it; then both verifiers accept it.
    expect((await goldenPathSign(image)).storedVia).toBe('referrers-api')
    const accepted = await verifyImage(image, keys.publicKey)
    expect(accepted.code).toBe(0)
    expect(JSON.parse(accepted.stdout)).toMatchObject({ verified: true, foundVia: 'referrers-api' })
    const cosignAccepts = await cosignRun([
      'verify',
      '--key',
      keys.publicKey,
      '--insecure-ignore-tlog=true',
      ...insecure,
      image,
    ])
    expect(cosignAccepts.code, cosignAccepts.stderr).toBe(0)
  })
})

/**
 * go-containerregistry's registry lists a referrer's artifactType as its config media type
 * and leaves out annotations, as the OCI 1.1 release candidates did. Registries that follow
 * the 1.1 release (Amazon ECR, Azure Container Registry, zot...) list the manifest's own
 * artifactType and annotations; none can be reached from here, so this proxy in front of the
 * real registry rewrites each referrers listing by that published rule and passes everything
 * else through, counting the manifests read by digest. With `pageSize`, it also pages each
 * listing the way the distribution spec allows (`Link: <…>; rel="next"`).
 */
async function startSpecListingProxy(upstream: string, options: { pageSize?: number } = {}) {
  const manifestReads = new Map<string, number>()
  const read = (request: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => resolve(Buffer.concat(chunks)))
      request.on('error', reject)
    })
  const server: Server = createServer(async (request, response) => {
    try {
      const requested = new URL(request.url ?? '/', 'http://proxy')
      const page = Number(requested.searchParams.get('page') ?? '0')
      const path = requested.pathname
      const body = await read(request)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'connection') {
          headers[name] = value
        }
      }
      const manifestDigest = /\/manifests\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1]
      if (request.method === 'GET' && manifestDigest) {
        manifestReads.set(manifestDigest, (manifestReads.get(manifestDigest) ?? 0) + 1)
      }
      const answer = await fetch(`http://${upstream}${path}`, {
        method: request.method,
        headers,
        body: ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : new Uint8Array(body),
        redirect: 'manual',
      })
      let bytes = Buffer.from(await answer.arrayBuffer())
      if (request.method === 'GET' && /\/referrers\/sha256:[0-9a-f]{64}$/.test(path)) {
        const repository = path.slice('/v2/'.length, path.indexOf('/referrers/'))
        const listing = JSON.parse(bytes.toString()) as { manifests: Record<string, unknown>[] }
        for (const entry of listing.manifests) {
          const manifest = (await (
            await fetch(`http://${upstream}/v2/${repository}/manifests/${entry.digest}`, {
              headers: { accept: MediaType.ociManifest },
            })
          ).json()) as ReferrerManifest
          entry.artifactType = manifest.artifactType ?? manifest.config.mediaType
          if (manifest.annotations) entry.annotations = manifest.annotations
        }
        let link: string | undefined
        if (options.pageSize) {
          // go-containerregistry lists referrers in map order, which changes from one request
          // to the next; a registry that pages keeps one order, so the pages do not overlap.
          listing.manifests.sort((a, b) => String(a.digest).localeCompare(String(b.digest)))
          const start = page * options.pageSize
          if (start + options.pageSize < listing.manifests.length) {
            link = `<${path}?page=${page + 1}>; rel="next"`
          }
          listing.manifests = listing.manifests.slice(start, start + options.pageSize)
        }
        bytes = Buffer.from(JSON.stringify(listing))
        if (link) response.setHeader('link', link)
      }
      const forwarded: Record<string, string> = {}
      answer.headers.forEach((value, name) => {
        if (!['content-length', 'transfer-encoding', 'connection'].includes(name)) {
          forwarded[name] = value
        }
      })
      forwarded['content-length'] = String(bytes.length)
      response.writeHead(answer.status, forwarded)
      response.end(request.method === 'HEAD' ? undefined : bytes)
    } catch {
      response.writeHead(502).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    manifestReads,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('referrers listed with and without their artifactType', () => {
  /** An SPDX document attached as a referrer: not a Sigstore bundle, not golden-path's. */
  async function attachSpdxReferrer(image: string): Promise<string> {
    const pinned = parsePinnedImage(image)
    const client = new RegistryClient(pinned.registry, undefined, { tlsVerify: false })
    const subject = await imageDescriptor(client, pinned.repository, pinned.digest)
    const config = await client.putBlob(pinned.repository, Buffer.from('{}'), MediaType.empty)
    const layer = await client.putBlob(
      pinned.repository,
      Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3' })),
      'application/spdx+json',
    )
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: 'application/spdx+json',
        config,
        layers: [layer],
        subject,
      }),
    )
    return client.putManifest(pinned.repository, sha256Digest(bytes), bytes, MediaType.ociManifest)
  }

  it('verifies through a listing that names artifact types, without reading other artifacts', async () => {
    const image = pushUniqueImage(registry.host, 'api/listed-types')
    const spdx = await attachSpdxReferrer(image)
    await goldenPathSign(image)
    await goldenPathAttestProvenance(image)
    const proxy = await startSpecListingProxy(registry.host)
    try {
      const viaProxy = image.replace(registry.host, proxy.host)
      const listed = await listReferrers(viaProxy)
      expect(listed.manifests.map((entry) => entry.artifactType).sort()).toEqual([
        'application/spdx+json',
        MediaType.sigstoreBundle,
        MediaType.sigstoreBundle,
      ])
      proxy.manifestReads.clear()
      const verified = await verifyImage(viaProxy, keys.publicKey, [
        '--require-attestation',
        'slsaprovenance1',
      ])
      expect(verified.stderr).toBe('')
      expect(verified.code).toBe(0)
      expect(JSON.parse(verified.stdout)).toMatchObject({
        verified: true,
        foundVia: 'referrers-api',
      })
      expect(proxy.manifestReads.get(spdx)).toBeUndefined()
    } finally {
      await proxy.stop()
    }
  })

  it('reads every page of a paged listing', async () => {
    const image = pushUniqueImage(registry.host, 'api/paged')
    await attachSpdxReferrer(image)
    await goldenPathSign(image)
    await goldenPathAttestProvenance(image)
    const proxy = await startSpecListingProxy(registry.host, { pageSize: 1 })
    try {
      const viaProxy = image.replace(registry.host, proxy.host)
      // One referrer per page: the signature and the provenance cannot both be on the first.
      expect((await listReferrers(viaProxy)).manifests).toHaveLength(1)
      const verified = await verifyImage(viaProxy, keys.publicKey, [
        '--require-attestation',
        'slsaprovenance1',
      ])
      expect(verified.stderr).toBe('')
      expect(verified.code).toBe(0)
      expect(JSON.parse(verified.stdout)).toMatchObject({
        verified: true,
        foundVia: 'referrers-api',
      })
    } finally {
      await proxy.stop()
    }
  })

  it('passes over a non-bundle referrer the registry lists with the empty type', async () => {
    const image = pushUniqueImage(registry.host, 'api/unlabelled')
    await attachSpdxReferrer(image)
    await goldenPathSign(image)
    const listed = await listReferrers(image)
    expect(listed.manifests.map((entry) => entry.artifactType)).toEqual([
      MediaType.empty,
      MediaType.empty,
    ])
    const verified = await verifyImage(image, keys.publicKey)
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    const other = writeKeyPair()
    try {
      const refused = await verifyImage(image, other.publicKey)
      expect(refused.code).toBe(1)
      // The SPDX referrer is no bundle and no reason: only the signature by another key is.
      expect(JSON.parse(refused.stdout).problems).toEqual([
        expect.stringMatching(/^no valid signature for .*: signed by another key/),
      ])
    } finally {
      rmSync(other.dir, { recursive: true, force: true })
    }
  })
})
