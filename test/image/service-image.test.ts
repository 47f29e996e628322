import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnRunner } from '../../actions/lib/ports'
import { freeLoopbackPort } from '../support/free-port'
import {
  buildah,
  chroot,
  commandPath,
  requireTools,
  skopeo,
  umoci,
} from '../support/required-tools'
import { standinBaseImages } from '../support/standin-images'

const serviceDir = fileURLToPath(new URL('../../service', import.meta.url))
const nonrootUid = 65532

interface OciDescriptor {
  digest: string
  annotations?: Record<string, string>
}
interface ImageConfig {
  config: { User?: string; Env?: string[]; Entrypoint?: string[]; Cmd?: string[] }
}
/** The runtime-spec bundle config umoci writes beside the unpacked rootfs. */
interface BundleConfig {
  process: { user: { uid: number; gid: number }; args: string[]; env: string[]; cwd: string }
}

async function run(command: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const result = await spawnRunner.run(command, args, { timeoutMs })
  if (result.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
  }
  return result.stdout
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', ...digest.split(':'))
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode} before serving`)
    try {
      if ((await fetch(`${url}/health`)).status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no 200 from ${url}/health within ${timeoutMs} ms`)
}

describe('service image built from service/Dockerfile on the stand-in bases', () => {
  const tag = `localhost/golden-path-test/reference-service:${randomBytes(4).toString('hex')}`
  const version = '1.2.3-test'
  const revision = randomBytes(20).toString('hex')
  let workDir = ''
  let layout = ''
  let rootfs = ''
  let imageConfig: ImageConfig
  let bundle: BundleConfig
  let layerDigests: string[] = []
  let service: ChildProcess | undefined

  beforeAll(async () => {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the image test runs as root: it mounts images with buildah and starts the unpacked ' +
          'root filesystem with chroot --userspec=65532:65532 (run npm test as root, or with sudo)',
      )
    }
    requireTools(buildah, skopeo, umoci, chroot)
    const bases = await standinBaseImages()
    workDir = mkdtempSync(join(tmpdir(), 'golden-path-image-'))
    layout = join(workDir, 'oci')
    const npmCache = join(homedir(), '.npm')
    await run(
      'buildah',
      [
        'bud',
        '--quiet',
        // Layer cache on, as in CI: it also makes the dist/ layer a layer of its own.
        '--layers',
        // RUN steps without an OCI runtime: crun cannot create containers on every host
        // (cgroups in hybrid mode), and chroot isolation shares the host's network for npm.
        '--isolation',
        'chroot',
        ...(existsSync(npmCache) ? ['--volume', `${npmCache}:/root/.npm`] : []),
        '--build-arg',
        `BUILD_IMAGE=${bases.build}`,
        '--build-arg',
        `RUNTIME_IMAGE=${bases.runtime}`,
        '--build-arg',
        `APP_VERSION=${version}`,
        '--build-arg',
        `APP_REVISION=${revision}`,
        '--tag',
        tag,
        serviceDir,
      ],
      240_000,
    )
    await run('skopeo', ['copy', '--quiet', `containers-storage:${tag}`, `oci:${layout}:service`])
    rootfs = join(workDir, 'bundle', 'rootfs')
    await run('umoci', ['unpack', '--image', `${layout}:service`, join(workDir, 'bundle')])

    const index = readJson<{ manifests: OciDescriptor[] }>(join(layout, 'index.json'))
    const descriptor = index.manifests.find(
      (entry) => entry.annotations?.['org.opencontainers.image.ref.name'] === 'service',
    )
    if (!descriptor) throw new Error('the OCI layout has no manifest tagged service')
    const manifest = readJson<{ config: OciDescriptor; layers: OciDescriptor[] }>(
      blobPath(layout, descriptor.digest),
    )
    imageConfig = readJson<ImageConfig>(blobPath(layout, manifest.config.digest))
    layerDigests = manifest.layers.map((layer) => layer.digest)
    bundle = readJson<BundleConfig>(join(workDir, 'bundle', 'config.json'))
  }, 300_000)

  afterAll(async () => {
    if (service && service.exitCode === null) service.kill('SIGKILL')
    // The tagged image only; buildah's untagged layer cache stays, as a package cache would.
    await spawnRunner.run('buildah', ['rmi', '--force', tag]).catch(() => undefined)
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  })

  it('runs as uid and gid 65532', () => {
    expect(imageConfig.config.User).toMatch(/^65532(:65532)?$/)
    expect(bundle.process.user).toEqual({ uid: nonrootUid, gid: nonrootUid })
  })

  it('has no shell in the final root filesystem', () => {
    for (const shell of ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/bash', 'bin/busybox']) {
      expect(() => lstatSync(join(rootfs, shell)), shell).toThrow()
    }
    expect(existsSync(join(rootfs, 'nodejs/bin/node'))).toBe(true)
  })

  it('starts node on dist/server.js in production mode with the build version and revision', () => {
    expect(imageConfig.config.Entrypoint).toEqual(['/nodejs/bin/node'])
    expect(imageConfig.config.Cmd).toEqual(['dist/server.js'])
    expect(imageConfig.config.Env).toEqual(
      expect.arrayContaining([
        'NODE_ENV=production',
        `APP_VERSION=${version}`,
        `APP_REVISION=${revision}`,
      ]),
    )
  })

  it('records the version and revision it was built from in dist/build-info.json', () => {
    expect(readJson(join(rootfs, 'app/dist/build-info.json'))).toEqual({ version, revision })
  })

  it('ships no development dependencies', () => {
    expect(existsSync(join(rootfs, 'app/node_modules/fastify/package.json'))).toBe(true)
    expect(existsSync(join(rootfs, 'app/node_modules/typescript'))).toBe(false)
    expect(existsSync(join(rootfs, 'app/src'))).toBe(false)
  })

  it('keeps the compiled application alone in the top layer, dependencies in the one below', async () => {
    const files = async (digest: string) =>
      (await run('tar', ['-tf', blobPath(layout, digest)]))
        .split('\n')
        .filter((entry) => entry !== '' && !entry.endsWith('/'))
        .map((entry) => entry.replace(/^\.\//, ''))
    const top = await files(layerDigests[layerDigests.length - 1])
    const below = await files(layerDigests[layerDigests.length - 2])
    expect(top).toContain('app/dist/server.js')
    expect(top.filter((file) => !file.startsWith('app/dist/'))).toEqual([])
    expect(below).toEqual(expect.arrayContaining(['app/package.json', 'app/package-lock.json']))
    expect(below.some((file) => file.startsWith('app/node_modules/fastify/'))).toBe(true)
    expect(below.filter((file) => file.startsWith('app/dist/'))).toEqual([])
  })

  it('answers /health from the unpacked root filesystem as uid 65532, then exits 0 on SIGTERM', async () => {
    const port = await freeLoopbackPort()
    const [program, ...args] = bundle.process.args
    // chroot(8) starts the program in /, so a relative script is resolved against the image's
    // working directory here.
    const resolved = args.map((arg) =>
      arg.startsWith('/') || arg.startsWith('-') ? arg : posix.join(bundle.process.cwd, arg),
    )
    // Absolute, because the child's PATH is the image's, which has no /usr/sbin.
    const child = spawn(
      commandPath('chroot')!,
      [`--userspec=${nonrootUid}:${nonrootUid}`, rootfs, program, ...resolved],
      {
        env: Object.fromEntries([
          ...bundle.process.env.map((entry) => entry.split(/=(.*)/s, 2) as [string, string]),
          ['PORT', String(port)],
          ['HOST', '127.0.0.1'],
          ['LOG_LEVEL', 'warn'],
        ]),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    service = child
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const url = `http://127.0.0.1:${port}`

    await waitForHealth(url, child, 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; stderr: ${stderr}`)
    })
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    expect(status).toMatch(new RegExp(`^Uid:\\s+${nonrootUid}\\s+${nonrootUid}\\b`, 'm'))
    expect(await (await fetch(`${url}/`)).json()).toEqual({
      name: 'golden-path-reference-service',
      version,
      revision,
    })
    expect((await fetch(`${url}/ready`)).status).toBe(200)

    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 60_000)
})
