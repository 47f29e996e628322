import { existsSync, lstatSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnRunner } from '../../actions/lib/ports'
import { buildah, requireTools } from '../support/required-tools'
import { type StandinBaseImages, standinBaseImages } from '../support/standin-images'

const script = fileURLToPath(new URL('../../scripts/standin-bases.sh', import.meta.url))

interface ImageInspect {
  FromImageID: string
  OCIv1: { config: { User?: string; Entrypoint?: string[]; Env?: string[] } }
}

async function run(command: string, args: string[]): Promise<string> {
  const result = await spawnRunner.run(command, args, { timeoutMs: 120_000 })
  if (result.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
  }
  return result.stdout
}

async function inspect(image: string): Promise<ImageInspect> {
  return JSON.parse(await run('buildah', ['inspect', '--type', 'image', image])) as ImageInspect
}

function hasNoEntry(path: string): boolean {
  try {
    lstatSync(path)
    return false
  } catch {
    return true
  }
}

describe('scripts/standin-bases.sh', () => {
  let images: StandinBaseImages
  // Working containers whose root filesystems are mounted for inspection, removed afterwards.
  const mounted = new Map<string, string>()

  async function rootfsOf(image: string): Promise<string> {
    const container = (await run('buildah', ['from', '--pull=never', image])).trim()
    mounted.set(image, container)
    return (await run('buildah', ['mount', container])).trim()
  }

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('buildah mount needs root; run the tests as root')
    requireTools(buildah)
    images = await standinBaseImages()
  }, 300_000)

  afterAll(async () => {
    for (const container of mounted.values()) {
      await spawnRunner.run('buildah', ['rm', container]).catch(() => undefined)
    }
  })

  it('prints the two image names other parts of golden-path build from', () => {
    expect(images).toEqual({
      build: 'localhost/golden-path/standin-node-build:24',
      runtime: 'localhost/golden-path/standin-distroless-node:24',
    })
  })

  it('leaves current images alone when run again', async () => {
    const before = await Promise.all([inspect(images.build), inspect(images.runtime)])
    const result = await spawnRunner.run('bash', [script], { timeoutMs: 120_000 })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(`${images.build}\n${images.runtime}\n`)
    const after = await Promise.all([inspect(images.build), inspect(images.runtime)])
    expect(after.map((image) => image.FromImageID)).toEqual(
      before.map((image) => image.FromImageID),
    )
  })

  it('refuses an unknown argument with one line and exit 2', async () => {
    const result = await spawnRunner.run('bash', [script, '--fast'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(
      "standin-bases: unknown argument '--fast' (usage: scripts/standin-bases.sh [--force] [--python])\n",
    )
  })

  it('makes a runtime base like distroless nodejs :nonroot: node entrypoint, uid 65532, no shell', async () => {
    const { config } = (await inspect(images.runtime)).OCIv1
    expect(config.User).toBe('65532:65532')
    expect(config.Entrypoint).toEqual(['/nodejs/bin/node'])
    const rootfs = await rootfsOf(images.runtime)
    expect(existsSync(join(rootfs, 'nodejs/bin/node'))).toBe(true)
    expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(
      /^nonroot:x:65532:65532:[^:]*:\/home\/nonroot:/m,
    )
    expect(lstatSync(join(rootfs, 'home/nonroot')).uid).toBe(65532)
    for (const shell of ['bin/sh', 'bin/bash', 'usr/bin/sh', 'bin/busybox', 'usr/bin/env']) {
      expect(hasNoEntry(join(rootfs, shell)), shell).toBe(true)
    }
  })

  it('makes a build base with node, npm and the /bin/sh npm runs scripts with', async () => {
    const { config } = (await inspect(images.build)).OCIv1
    expect(config.Env).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PATH=\/usr\/local\/bin:/)]),
    )
    const rootfs = await rootfsOf(images.build)
    for (const file of [
      'usr/local/bin/node',
      'usr/local/bin/npm',
      'usr/local/lib/node_modules/npm/bin/npm-cli.js',
      'bin/sh',
      'usr/bin/env',
    ]) {
      expect(existsSync(join(rootfs, file)), file).toBe(true)
    }
  })
})
