import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors'
import { blobPath, OciLayoutError, readLayoutImage } from '../oci/oci-layout'

export interface BaseImage {
  name: string
  digest: string
}

const baseName = 'org.opencontainers.image.base.name'
const baseDigest = 'org.opencontainers.image.base.digest'

/**
 * The base image a build started from, as buildah and BuildKit record it: the OCI
 * annotations org.opencontainers.image.base.name/.digest on the manifest, or the same keys
 * as labels in the config. The layout's digest must be the attested one, so that the facts
 * come from the very image that is signed.
 */
export async function baseImagesFromLayout(
  layout: string,
  expectedDigest: string,
): Promise<BaseImage[]> {
  let image: Awaited<ReturnType<typeof readLayoutImage>>
  try {
    image = await readLayoutImage(layout)
  } catch (error) {
    if (error instanceof OciLayoutError) throw new UsageError(error.message)
    throw error
  }
  if (image.digest !== expectedDigest) {
    throw new UsageError(
      `--oci holds ${image.digest}, not the image being attested (${expectedDigest})`,
    )
  }
  const manifest = JSON.parse(await readFile(blobPath(layout, image.manifestDigest), 'utf8')) as {
    annotations?: Record<string, string>
  }
  const sources = [manifest.annotations ?? {}, image.config.config?.Labels ?? {}]
  for (const source of sources) {
    const name = source[baseName]
    const digest = source[baseDigest]
    if (name && digest && /^sha256:[a-f0-9]{64}$/.test(digest)) return [{ name, digest }]
  }
  return []
}

/** `name@sha256:…` from --base-image. */
export function parseBaseImage(value: string): BaseImage {
  const at = value.lastIndexOf('@')
  const digest = at === -1 ? '' : value.slice(at + 1)
  if (at <= 0 || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new UsageError(`invalid --base-image '${value}': expected NAME@sha256:<64 hex digits>`)
  }
  return { name: value.slice(0, at), digest }
}
