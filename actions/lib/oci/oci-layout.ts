import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: { architecture?: string; os?: string }
}

/** The parts of an OCI image config (image-spec config.md) golden-path reads. */
export interface ImageConfig {
  created?: string
  architecture?: string
  os?: string
  config?: {
    User?: string
    Env?: string[]
    Entrypoint?: string[] | null
    Cmd?: string[] | null
    WorkingDir?: string
    Labels?: Record<string, string> | null
  }
}

/** One image found in a layout: the digest a registry will know it by, and its parts. */
export interface LayoutImage {
  /** Digest of the top-level descriptor in index.json: what a push with preserved digests serves. */
  digest: string
  /** The org.opencontainers.image.ref.name of that descriptor (the tag inside the layout). */
  referenceName?: string
  manifestDigest: string
  /** Digest of the image config blob: what Trivy and docker call the image ID. */
  configDigest: string
  config: ImageConfig
  layers: Descriptor[]
  /** Sum of the layer blob sizes as stored (compressed when the layer is). */
  compressedSize: number
  /** os/architecture[/variant] from the image config, e.g. linux/arm64. */
  platform: string
}

/** The layout is missing, unreadable or not what the OCI image-layout spec describes. */
export class OciLayoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OciLayoutError'
  }
}

const indexTypes = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
])
const manifestTypes = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
])

export function blobPath(layoutDir: string, digest: string): string {
  const match = /^(sha256|sha512):([a-f0-9]{64,128})$/.exec(digest)
  if (!match) throw new OciLayoutError(`invalid digest '${digest}' in ${layoutDir}`)
  return join(layoutDir, 'blobs', match[1]!, match[2]!)
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new OciLayoutError(`cannot read ${what} (${path}): ${code ?? String(error)}`)
  }
  try {
    return JSON.parse(text) as T
  } catch {
    throw new OciLayoutError(`${what} (${path}) is not valid JSON`)
  }
}

export async function readBlob(layoutDir: string, descriptor: Descriptor): Promise<Buffer> {
  const path = blobPath(layoutDir, descriptor.digest)
  try {
    return await readFile(path)
  } catch {
    throw new OciLayoutError(`blob ${descriptor.digest} is missing from ${layoutDir}`)
  }
}

// Buildx writes attestation manifests next to the image in an index; they are not images.
function isAttestation(descriptor: Descriptor): boolean {
  return descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
}

function pickDescriptor(
  descriptors: Descriptor[],
  layoutDir: string,
  reference?: string,
): Descriptor {
  const named = reference
    ? descriptors.filter((d) => d.annotations?.['org.opencontainers.image.ref.name'] === reference)
    : descriptors
  if (reference && named.length === 0) {
    throw new OciLayoutError(`no image tagged '${reference}' in ${layoutDir}`)
  }
  const images = named.filter((d) => !isAttestation(d))
  const linux = images.filter((d) => !d.platform || d.platform.os === 'linux')
  const chosen = linux[0] ?? images[0]
  if (!chosen) throw new OciLayoutError(`${layoutDir} holds no image manifest`)
  return chosen
}

/**
 * Reads the image a build wrote to an OCI layout directory. When index.json
 * points to an image index (multi-platform or with attestations), the first
 * linux image in it is the one whose config and layers are read; the digest
 * stays the top-level one, because that is what is pushed and pulled.
 */
export async function readLayoutImage(layoutDir: string, reference?: string): Promise<LayoutImage> {
  const info = await stat(layoutDir).catch(() => undefined)
  if (!info?.isDirectory()) throw new OciLayoutError(`OCI layout directory ${layoutDir} not found`)
  const layoutMarker = await readJson<{ imageLayoutVersion?: string }>(
    join(layoutDir, 'oci-layout'),
    'oci-layout file',
  )
  if (typeof layoutMarker.imageLayoutVersion !== 'string') {
    throw new OciLayoutError(`${layoutDir}/oci-layout has no imageLayoutVersion`)
  }
  const index = await readJson<{ manifests?: Descriptor[] }>(
    join(layoutDir, 'index.json'),
    'index.json',
  )
  if (!Array.isArray(index.manifests)) {
    throw new OciLayoutError(`${layoutDir}/index.json has no manifests list`)
  }
  const top = pickDescriptor(index.manifests, layoutDir, reference)
  let descriptor = top
  for (let depth = 0; indexTypes.has(descriptor.mediaType); depth++) {
    if (depth > 4) throw new OciLayoutError(`${layoutDir}: image indexes nested too deeply`)
    const nested = await readJson<{ manifests?: Descriptor[] }>(
      blobPath(layoutDir, descriptor.digest),
      `image index ${descriptor.digest}`,
    )
    descriptor = pickDescriptor(nested.manifests ?? [], layoutDir)
  }
  return readManifestImage(layoutDir, top, descriptor)
}

function platformOf(config: ImageConfig & { variant?: string }): string {
  return [config.os ?? 'unknown', config.architecture ?? 'unknown', config.variant]
    .filter(Boolean)
    .join('/')
}

async function readManifestImage(
  layoutDir: string,
  top: Descriptor,
  descriptor: Descriptor,
): Promise<LayoutImage> {
  if (!manifestTypes.has(descriptor.mediaType)) {
    throw new OciLayoutError(`unsupported manifest media type '${descriptor.mediaType}'`)
  }
  const manifest = await readJson<{ config?: Descriptor; layers?: Descriptor[] }>(
    blobPath(layoutDir, descriptor.digest),
    `manifest ${descriptor.digest}`,
  )
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    throw new OciLayoutError(`manifest ${descriptor.digest} lacks a config or layers`)
  }
  const config = await readJson<ImageConfig>(
    blobPath(layoutDir, manifest.config.digest),
    `image config ${manifest.config.digest}`,
  )
  return {
    digest: top.digest,
    referenceName: top.annotations?.['org.opencontainers.image.ref.name'],
    manifestDigest: descriptor.digest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers,
    compressedSize: manifest.layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0),
    platform: platformOf(config),
  }
}

/**
 * Every platform's image in a layout: one for a single-platform image, one per
 * manifest of a multi-platform index (attestations left out). Each carries the
 * top-level digest (what is pushed) and its own manifest digest.
 */
export async function readLayoutImages(
  layoutDir: string,
  reference?: string,
): Promise<LayoutImage[]> {
  const first = await readLayoutImage(layoutDir, reference)
  const index = await readJson<{ manifests?: Descriptor[] }>(
    join(layoutDir, 'index.json'),
    'index.json',
  )
  const top = pickDescriptor(index.manifests ?? [], layoutDir, reference)
  if (!indexTypes.has(top.mediaType)) return [first]
  const nested = await readJson<{ manifests?: Descriptor[] }>(
    blobPath(layoutDir, top.digest),
    `image index ${top.digest}`,
  )
  const images: LayoutImage[] = []
  for (const descriptor of nested.manifests ?? []) {
    if (isAttestation(descriptor) || !manifestTypes.has(descriptor.mediaType)) continue
    images.push(await readManifestImage(layoutDir, top, descriptor))
  }
  return images.length > 0 ? images : [first]
}

/** The uncompressed tar stream of one layer. */
export async function readLayerTar(layoutDir: string, layer: Descriptor): Promise<Buffer> {
  const blob = await readBlob(layoutDir, layer)
  if (layer.mediaType.endsWith('+gzip') || layer.mediaType.endsWith('.gzip')) {
    try {
      return gunzipSync(blob)
    } catch {
      throw new OciLayoutError(`layer ${layer.digest} is not valid gzip`)
    }
  }
  if (layer.mediaType.endsWith('.tar') || layer.mediaType.endsWith('.tar.v1')) return blob
  if (layer.mediaType === 'application/vnd.docker.image.rootfs.diff.tar') return blob
  throw new OciLayoutError(
    `layer ${layer.digest} has media type '${layer.mediaType}', which cannot be read (gzip or plain tar only)`,
  )
}
