import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDelivery } from '../../actions/lib/delivery/delivery-pipeline'
import { signStep, verifyImageStep } from '../../actions/lib/delivery/supply-chain-steps'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import { runCli } from '../support/cli-io'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { requireTools } from '../support/required-tools'
import {
  pullLayout,
  pushUniqueImage,
  storedStatements,
  syft,
  verifyImageArgs,
} from '../support/signing-fixtures'

let registry: LoopbackRegistry
let dir: string
const ports = { runner: spawnRunner, logger: nullLogger, clock: systemClock }
// Without syft on PATH the SBOM is left out and the step says so.
const env = { PATH: '/usr/bin:/bin' }
const facts = {
  repository: 'local/payments',
  commit: 'a'.repeat(40),
  serverUrl: 'file://',
  inputs: {},
  baseImages: [],
}

beforeAll(async () => {
  registry = await startLoopbackRegistry()
  dir = mkdtempSync(join(tmpdir(), 'golden-path-local-signing-'))
})

afterAll(async () => {
  await registry?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('deliver --local: sign after push, verify before bump', () => {
  it('makes the key once in the state directory, signs and attests, then verifies', async () => {
    const keyDirectory = join(dir, 'state', 'signing')
    const options = { keyDirectory, facts, env }
    const imageRef = pushUniqueImage(registry.host, 'local/payments')
    const report = await runDelivery(
      [signStep(options, ports), verifyImageStep(options, ports)],
      { image: imageRef.split('@')[0]!, imageRef },
      ports,
    )
    expect(report.steps.map((step) => [step.name, step.status])).toEqual([
      ['sign', 'passed'],
      ['verify-image', 'passed'],
    ])
    expect(report.steps[0]!.detail).toMatch(
      /attested slsaprovenance1 .*\(new key\); no SBOM \(syft is not installed\)/,
    )
    expect(statSync(join(keyDirectory, 'signing-key.pem')).mode & 0o777).toBe(0o600)
    // A second delivery reuses the key.
    const again = pushUniqueImage(registry.host, 'local/payments')
    const second = await runDelivery(
      [signStep(options, ports), verifyImageStep(options, ports)],
      { image: again.split('@')[0]!, imageRef: again },
      ports,
    )
    expect(second.ok).toBe(true)
    expect(second.steps[0]!.detail).not.toMatch(/new key/)
  })

  it('stops before the bump when the digest is not signed by the local key', async () => {
    const options = { keyDirectory: join(dir, 'other', 'signing'), facts, env }
    const imageRef = pushUniqueImage(registry.host, 'local/unsigned')
    const report = await runDelivery(
      [verifyImageStep(options, ports)],
      { image: imageRef.split('@')[0]!, imageRef },
      ports,
    )
    expect(report.ok).toBe(false)
    expect(report.steps[0]).toMatchObject({ name: 'verify-image', status: 'failed' })
    expect(report.steps[0]!.detail).toMatch(/unsigned digest/)
    expect(existsSync(join(dir, 'other', 'signing', 'signing-key.pem'))).toBe(true)
  })
})

describe('deliver --local with syft: the SBOM is made beside the signature and provenance', () => {
  const withSyft = { PATH: process.env.PATH, HOME: process.env.HOME }

  it('signs, attests the provenance and the SBOM read from the layout, and verify-image finds all three', async () => {
    requireTools(syft)
    const keyDirectory = join(dir, 'sbom', 'signing')
    const options = { keyDirectory, facts, env: withSyft }
    const imageRef = pushUniqueImage(registry.host, 'local/with-sbom', {
      'app/node_modules/left-pad/package.json': JSON.stringify({
        name: 'left-pad',
        version: '1.3.0',
      }),
    })
    const report = await runDelivery(
      [signStep(options, ports)],
      { image: imageRef.split('@')[0]!, imageRef, ociLayout: pullLayout(imageRef, dir) },
      ports,
    )
    expect(report.steps[0]).toMatchObject({ name: 'sign', status: 'passed' })
    expect(report.steps[0]!.detail).toMatch(/attested slsaprovenance1, cyclonedx with /)
    const verified = await runCli(
      verifyImageArgs(imageRef, join(keyDirectory, 'signing-key.pub.pem'), [
        'slsaprovenance1',
        'cyclonedx',
      ]),
      process.cwd(),
      withSyft,
    )
    expect(verified.code).toBe(0)
    const statements = await storedStatements(imageRef)
    expect(statements.map((statement) => statement.predicateType).sort()).toEqual([
      'https://cyclonedx.org/bom',
      'https://sigstore.dev/cosign/sign/v1',
      'https://slsa.dev/provenance/v1',
    ])
    const sbom = statements.find((entry) => entry.predicateType === 'https://cyclonedx.org/bom')!
    expect(
      (sbom.predicate.components as { name: string }[]).map((component) => component.name),
    ).toContain('left-pad')
  })

  it('fails with one line and stores no signature when the SBOM cannot be made', async () => {
    requireTools(syft)
    const options = { keyDirectory: join(dir, 'broken', 'signing'), facts, env: withSyft }
    const imageRef = pushUniqueImage(registry.host, 'local/broken-sbom')
    // The layout keeps its index, manifest and config (what the provenance reads) but loses
    // its layer: syft fails while the signature and the provenance are being made.
    const layout = pullLayout(imageRef, dir, true)
    const report = await runDelivery(
      [signStep(options, ports), verifyImageStep(options, ports)],
      { image: imageRef.split('@')[0]!, imageRef, ociLayout: layout },
      ports,
    )
    expect(report.ok).toBe(false)
    expect(report.steps.map((step) => [step.name, step.status])).toEqual([
      ['sign', 'failed'],
      ['verify-image', 'not-run'],
    ])
    expect(report.steps[0]!.detail).toMatch(
      /^nothing stored: cyclonedx SBOM: syft could not read oci-dir:\S+: [^;]+$/,
    )
    expect(await storedStatements(imageRef)).toEqual([])
  })

  it('names every part that could not be made when both sides fail', async () => {
    requireTools(syft)
    const options = { keyDirectory: join(dir, 'both', 'signing'), facts, env: withSyft }
    const imageRef = pushUniqueImage(registry.host, 'local/no-layout')
    const report = await runDelivery(
      [signStep(options, ports)],
      { image: imageRef.split('@')[0]!, imageRef, ociLayout: mkdtempSync(join(dir, 'empty-')) },
      ports,
    )
    expect(report.steps[0]!.status).toBe('failed')
    const detail = report.steps[0]!.detail
    expect(detail).toMatch(
      /^nothing stored: slsaprovenance1: .+; cyclonedx SBOM: syft could not read/,
    )
    expect(detail).not.toContain('\n')
    expect(await storedStatements(imageRef)).toEqual([])
  })
})
