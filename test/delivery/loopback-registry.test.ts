import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  registryAnswers,
  startLoopbackRegistry,
} from '../../actions/lib/delivery/loopback-registry'
import { systemClock } from '../../actions/lib/ports'
import { freeLoopbackPort as freePort } from '../support/free-port'

describe('loopback registry (real docker-registry)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'golden-path-registry-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('starts docker-registry on loopback, answers the distribution API, and stops', async () => {
    const address = `127.0.0.1:${await freePort()}`
    const registry = await startLoopbackRegistry({ address, storageDir: dir, clock: systemClock })
    try {
      expect(registry.started).toBe(true)
      const catalog = await fetch(`http://${address}/v2/_catalog`)
      expect(catalog.status).toBe(200)
      expect(await catalog.json()).toEqual({ repositories: [] })
    } finally {
      await registry.stop()
    }
    expect(await registryAnswers(address)).toBe(false)
  })

  it('reuses a registry already answering at the address and leaves it running', async () => {
    const address = `127.0.0.1:${await freePort()}`
    const first = await startLoopbackRegistry({ address, storageDir: dir, clock: systemClock })
    try {
      const second = await startLoopbackRegistry({ address, storageDir: dir, clock: systemClock })
      expect(second.started).toBe(false)
      await second.stop()
      expect(await registryAnswers(address)).toBe(true)
    } finally {
      await first.stop()
    }
  })

  it.each([
    '0.0.0.0:5000',
    '10.1.2.3:5000',
    'registry.example.com:5000',
    '127.0.0.1',
    '127.0.0.1:70000',
  ])('refuses %s: local delivery pushes without TLS, so only loopback', async (address) => {
    await expect(
      startLoopbackRegistry({ address, storageDir: dir, clock: systemClock }),
    ).rejects.toThrow(`registry address '${address}' must be a loopback host:port`)
  })

  it('names the install command when docker-registry is missing', async () => {
    const address = `127.0.0.1:${await freePort()}`
    const spawnMissing = ((_command: string, args: readonly string[], options: object) =>
      spawn('golden-path-no-such-registry-binary', args, options)) as unknown as typeof spawn
    await expect(
      startLoopbackRegistry({
        address,
        storageDir: dir,
        clock: systemClock,
        spawnImpl: spawnMissing,
      }),
    ).rejects.toThrow(
      'docker-registry is not installed; run as root: apt-get update && apt-get install -y docker-registry',
    )
  })
})
