import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { requireTools } from '../support/required-tools'
import {
  attestArgs,
  type KeyPairFiles,
  pullLayout,
  pushUniqueImage,
  storedStatements,
  syft,
  verifyImageArgs,
  writeKeyPair,
} from '../support/signing-fixtures'

let registry: LoopbackRegistry
let keys: KeyPairFiles
let work: string
const cwd = process.cwd()
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME }

beforeAll(async () => {
  requireTools(syft)
  registry = await startLoopbackRegistry()
  keys = writeKeyPair()
  work = mkdtempSync(join(tmpdir(), 'golden-path-sbom-'))
})

afterAll(async () => {
  await registry?.stop()
  if (keys) rmSync(keys.dir, { recursive: true, force: true })
  if (work) rmSync(work, { recursive: true, force: true })
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
    const statement = (await storedStatements(image)).find(
      (entry) => entry.predicateType === 'https://cyclonedx.org/bom',
    )!
    expect(statement.predicate).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' })
    expect(
      (statement.predicate.components as { name: string }[]).map((component) => component.name),
    ).toContain('left-pad')
  })

  it('attests the provenance and the SBOM in one run with --type given twice', async () => {
    const image = pushUniqueImage(registry.host, 'sbom/both', {
      'app/node_modules/left-pad/package.json': JSON.stringify({
        name: 'left-pad',
        version: '1.3.0',
      }),
    })
    const sbomOutput = join(work, 'both.cdx.json')
    const attested = await runCli(
      attestArgs(
        image,
        keys.privateKey,
        ['slsaprovenance1', 'cyclonedx'],
        ['--oci', pullLayout(image, work), '--sbom-output', sbomOutput, '--output', 'json'],
      ),
      cwd,
      env,
    )
    expect(attested.stderr).toBe('')
    expect(attested.code).toBe(0)
    const lines = attested.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((line) => [line.type, line.predicateType, line.storedVia])).toEqual([
      ['slsaprovenance1', 'https://slsa.dev/provenance/v1', 'fallback-tag'],
      ['cyclonedx', 'https://cyclonedx.org/bom', 'fallback-tag'],
    ])
    expect(JSON.parse(readFileSync(sbomOutput, 'utf8')).components).toContainEqual(
      expect.objectContaining({ name: 'left-pad' }),
    )
    const signed = await runCli(
      ['sign', '--image', image, '--key', keys.privateKey, '--tls-verify', 'false'],
      cwd,
      env,
    )
    expect(signed.code).toBe(0)
    const verified = await runCli(
      verifyImageArgs(
        image,
        keys.publicKey,
        ['slsaprovenance1', 'cyclonedx'],
        ['--source-repository', 'example-org/payments'],
      ),
      cwd,
      env,
    )
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
  })

  it('stores neither attestation when the SBOM cannot be made, and says why on one line', async () => {
    const image = pushUniqueImage(registry.host, 'sbom/broken')
    const attested = await runCli(
      attestArgs(
        image,
        keys.privateKey,
        ['slsaprovenance1', 'cyclonedx'],
        ['--oci', pullLayout(image, work, true)],
      ),
      cwd,
      env,
    )
    expect(attested.code).toBe(2)
    expect(attested.stdout).toBe('')
    expect(attested.stderr.trim().split('\n')).toHaveLength(1)
    expect(attested.stderr).toMatch(
      /^golden-path attest: nothing stored: cyclonedx SBOM: syft could not read oci-dir:/,
    )
    expect(await storedStatements(image)).toEqual([])
  })

  it('refuses a type given twice before making anything', async () => {
    const image = pushUniqueImage(registry.host, 'sbom/twice')
    const attested = await runCli(
      attestArgs(image, keys.privateKey, ['cyclonedx', 'cyclonedx']),
      cwd,
      env,
    )
    expect(attested.code).toBe(2)
    expect(attested.stderr).toBe(
      'golden-path attest: --type cyclonedx is given twice; give each type once\n',
    )
  })
})
