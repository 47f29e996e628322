import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDelivery } from '../../actions/lib/delivery/delivery-pipeline'
import { signStep, verifyImageStep } from '../../actions/lib/delivery/supply-chain-steps'
import { nullLogger, spawnRunner, systemClock } from '../../actions/lib/ports'
import { type LoopbackRegistry, startLoopbackRegistry } from '../support/loopback-registry'
import { pushUniqueImage } from '../support/signing-fixtures'

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
