import { createHash } from 'node:crypto'
import { copyFile, link, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../errors'
import { blobPath, type Descriptor, OciLayoutError } from '../oci/oci-layout'

/** A target platform as OCI writes it: os/architecture[/variant]. */
export interface Platform {
  os: string
  architecture: string
  variant?: string
}

const platformPattern = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/')
}

/** Parses `linux/amd64,linux/arm64` (commas or newlines), keeping the order given, without repeats. */
export function parsePlatforms(value: string, what: string): Platform[] {
  const entries = value
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
  const platforms: Platform[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    const match = platformPattern.exec(entry)
    if (!match) {
      throw new UsageError(
        `invalid ${what} '${entry}': expected os/architecture[/variant], e.g. linux/amd64,linux/arm64`,
      )
    }
    if (seen.has(entry)) continue
    seen.add(entry)
    platforms.push({ os: match[1]!, architecture: match[2]!, variant: match[3] })
  }
  if (platforms.length === 0) throw new UsageError(`invalid ${what} '${value}': no platform given`)
  return platforms
}

/** The architecture this machine runs natively, in OCI's names. */
export function hostArchitecture(nodeArch: string = process.arch): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    ia32: '386',
  }
  return names[nodeArch] ?? nodeArch
}

/** The binfmt_misc handler name qemu-user-static (and tonistiigi/binfmt) registers per architecture. */
const qemuHandlers: Record<string, string> = {
  amd64: 'qemu-x86_64',
  arm64: 'qemu-aarch64',
  arm: 'qemu-arm',
  ppc64le: 'qemu-ppc64le',
  s390x: 'qemu-s390x',
  riscv64: 'qemu-riscv64',
  '386': 'qemu-i386',
}

/**
 * Architectures whose RUN steps the Dockerfile executes for the target
 * platform. A stage `FROM --platform=$BUILDPLATFORM` runs natively (the
 * cross-build pattern); a stage FROM another stage inherits that stage's
 * platform; every other stage with a RUN step runs for the target.
 */
export function stagesNeedingTargetRuns(dockerfile: string): boolean {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/)
  const nativeStages = new Set<string>()
  let currentNative = false
  let targetRuns = false
  for (const raw of lines) {
    const line = raw.trim()
    const from = /^FROM\s+(.*)$/i.exec(line)
    if (from) {
      const words = from[1]!.split(/\s+/)
      const platformFlag = words.find((word) => word.toLowerCase().startsWith('--platform='))
      const image = words.find((word) => !word.startsWith('--'))?.toLowerCase() ?? ''
      const asIndex = words.findIndex((word) => word.toLowerCase() === 'as')
      const name = asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined
      currentNative = platformFlag
        ? /\$\{?BUILDPLATFORM\}?/.test(platformFlag)
        : nativeStages.has(image)
      if (name && currentNative) nativeStages.add(name)
      continue
    }
    if (/^RUN\s/i.test(line) && !currentNative) targetRuns = true
  }
  return targetRuns
}

export interface EmulationCheck {
  /** Platforms whose RUN steps need an emulator that is not registered. */
  missing: string[]
  /** Platforms whose RUN steps will run under a registered emulator (slowly). */
  emulated: string[]
}

async function handlerEnabled(binfmtDir: string, handler: string): Promise<boolean> {
  const text = await readFile(join(binfmtDir, handler), 'utf8').catch(() => '')
  return text.split('\n')[0]?.trim() === 'enabled'
}

/**
 * Whether RUN steps for foreign platforms can run here: the kernel runs a
 * foreign binary only through a binfmt_misc handler (qemu-user-static).
 */
export async function checkEmulation(
  dockerfile: string,
  platforms: Platform[],
  hostArch: string,
  binfmtDir = '/proc/sys/fs/binfmt_misc',
): Promise<EmulationCheck> {
  const result: EmulationCheck = { missing: [], emulated: [] }
  if (!stagesNeedingTargetRuns(dockerfile)) return result
  for (const platform of platforms) {
    if (platform.architecture === hostArch) continue
    const handler = qemuHandlers[platform.architecture]
    const enabled = handler ? await handlerEnabled(binfmtDir, handler) : false
    ;(enabled ? result.emulated : result.missing).push(formatPlatform(platform))
  }
  return result
}

const indexMediaType = 'application/vnd.oci.image.index.v1+json'

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

async function placeBlob(fromLayout: string, toLayout: string, digest: string): Promise<void> {
  const target = blobPath(toLayout, digest)
  if (await stat(target).catch(() => undefined)) return
  const source = blobPath(fromLayout, digest)
  // A hard link costs nothing; a copy when the layouts are on different filesystems.
  await link(source, target).catch(() => copyFile(source, target))
}

/**
 * Writes one OCI layout holding an image index over single-platform layouts
 * (each written by one build). The index lists the manifests in the order the
 * platforms were given, with only the fields the spec requires, so the same
 * manifests always give the same index digest.
 */
export async function assembleIndex(
  parts: { platform: Platform; layoutDir: string }[],
  outputDir: string,
  referenceName: string,
): Promise<{ digest: string; manifests: { platform: string; digest: string }[] }> {
  await mkdir(join(outputDir, 'blobs', 'sha256'), { recursive: true })
  const manifests: Descriptor[] = []
  for (const part of parts) {
    const index = JSON.parse(await readFile(join(part.layoutDir, 'index.json'), 'utf8')) as {
      manifests?: Descriptor[]
    }
    const top = index.manifests?.[0]
    if (index.manifests?.length !== 1 || !top) {
      throw new OciLayoutError(`${part.layoutDir}: expected one image manifest`)
    }
    const manifest = JSON.parse(await readFile(blobPath(part.layoutDir, top.digest), 'utf8')) as {
      config: Descriptor
      layers: Descriptor[]
    }
    for (const digest of [
      top.digest,
      manifest.config.digest,
      ...manifest.layers.map((l) => l.digest),
    ]) {
      await placeBlob(part.layoutDir, outputDir, digest)
    }
    const platform: Descriptor['platform'] & { variant?: string } = {
      architecture: part.platform.architecture,
      os: part.platform.os,
      ...(part.platform.variant ? { variant: part.platform.variant } : {}),
    }
    manifests.push({ mediaType: top.mediaType, digest: top.digest, size: top.size, platform })
  }
  const indexBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: indexMediaType, manifests }),
    'utf8',
  )
  const digest = sha256(indexBytes)
  await writeFile(blobPath(outputDir, digest), indexBytes)
  await writeFile(join(outputDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  await writeFile(
    join(outputDir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: indexMediaType,
          digest,
          size: indexBytes.length,
          annotations: { 'org.opencontainers.image.ref.name': referenceName },
        },
      ],
    }),
  )
  return {
    digest,
    manifests: manifests.map((descriptor, i) => ({
      platform: formatPlatform(parts[i]!.platform),
      digest: descriptor.digest,
    })),
  }
}
