import { createHash } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { blobPath, type Descriptor, OciLayoutError } from './oci-layout'

const manifestTypes = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
])

async function writeBlob(
  layoutDir: string,
  content: string,
): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(content, 'utf8')
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  await writeFile(blobPath(layoutDir, digest), bytes)
  return { digest, size: bytes.length }
}

/**
 * Sets the image config's `created` (and its history entries') to `epoch` in a
 * single-image OCI layout, rewriting the config and manifest blobs and index.json.
 * Layers are untouched. The build stamps every file with a fixed time so that a
 * layer's digest depends on its content alone; the commit date is then written
 * here, where it changes only the small config and manifest.
 */
export async function setImageCreated(layoutDir: string, epoch: number): Promise<string> {
  const indexPath = join(layoutDir, 'index.json')
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: Descriptor[] }
  const top = index.manifests?.[0]
  if (index.manifests?.length !== 1 || !top || !manifestTypes.has(top.mediaType)) {
    throw new OciLayoutError(`${layoutDir}: expected one image manifest to date`)
  }
  const manifest = JSON.parse(await readFile(blobPath(layoutDir, top.digest), 'utf8')) as {
    config: Descriptor
  }
  const config = JSON.parse(
    await readFile(blobPath(layoutDir, manifest.config.digest), 'utf8'),
  ) as {
    created?: string
    history?: { created?: string }[]
  }
  const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z')
  config.created = created
  for (const entry of config.history ?? []) entry.created = created
  const newConfig = await writeBlob(layoutDir, JSON.stringify(config))
  const oldConfig = manifest.config.digest
  manifest.config = { ...manifest.config, digest: newConfig.digest, size: newConfig.size }
  const newManifest = await writeBlob(layoutDir, JSON.stringify(manifest))
  const oldManifest = top.digest
  index.manifests = [{ ...top, digest: newManifest.digest, size: newManifest.size }]
  const temporary = `${indexPath}.tmp`
  await writeFile(temporary, JSON.stringify(index))
  await rename(temporary, indexPath)
  for (const digest of [oldConfig, oldManifest]) {
    if (digest !== newConfig.digest && digest !== newManifest.digest) {
      await rm(blobPath(layoutDir, digest), { force: true })
    }
  }
  return newManifest.digest
}
