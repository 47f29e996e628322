import { posix } from 'node:path'
import { type LayoutImage, readLayerTar } from './oci-layout'
import { readTarEntries, type TarEntry } from './tar-entries'

/** A file as it ends up in the running container, after every layer is applied. */
export interface ImageFile {
  path: string
  type: TarEntry['type']
  mode: number
  size: number
  linkTarget: string
  /** Index of the layer that last wrote this path. */
  layer: number
}

/** The merged filesystem of an image, and a way to resolve paths through its symlinks. */
export class ImageFilesystem {
  constructor(readonly files: ReadonlyMap<string, ImageFile>) {}

  /** Follows symlinks (absolute and relative) and hardlinks inside the image, as the kernel would. */
  resolve(path: string): ImageFile | undefined {
    let current = posix.normalize(path)
    for (let hops = 0; hops < 40; hops++) {
      const file = this.files.get(current) ?? this.resolveParents(current)
      if (!file) return undefined
      if (file.type === 'symlink') {
        current = posix.resolve(posix.dirname(file.path), file.linkTarget)
        continue
      }
      if (file.type === 'hardlink') {
        current = posix.resolve('/', file.linkTarget)
        continue
      }
      return file
    }
    return undefined
  }

  // A path whose parent directory is a symlink (e.g. /bin -> usr/bin on merged-/usr systems).
  private resolveParents(path: string): ImageFile | undefined {
    const parts = path.split('/').filter(Boolean)
    for (let cut = parts.length - 1; cut > 0; cut--) {
      const parent = `/${parts.slice(0, cut).join('/')}`
      const entry = this.files.get(parent)
      if (entry?.type === 'symlink') {
        const target = posix.resolve(posix.dirname(parent), entry.linkTarget)
        return this.files.get(posix.join(target, ...parts.slice(cut))) ?? undefined
      }
    }
    return undefined
  }
}

/** Called for every regular file in every layer, including files a later layer deletes. */
export type LayerFileVisitor = (entry: TarEntry, layer: number) => void

const whiteoutPrefix = '.wh.'
const opaqueMarker = '.wh..wh..opq'

/**
 * Applies the layers in order with the OCI whiteout rules (image-spec layer.md):
 * `.wh.<name>` deletes <name>, `.wh..wh..opq` hides everything lower in its directory.
 */
export async function readImageFilesystem(
  layoutDir: string,
  image: LayoutImage,
  visit?: LayerFileVisitor,
): Promise<ImageFilesystem> {
  const files = new Map<string, ImageFile>()
  for (const [layerIndex, layer] of image.layers.entries()) {
    const tar = await readLayerTar(layoutDir, layer)
    for (const entry of readTarEntries(tar)) {
      const base = posix.basename(entry.path)
      const dir = posix.dirname(entry.path)
      if (base === opaqueMarker) {
        for (const path of [...files.keys()]) {
          if (
            path.startsWith(`${dir === '/' ? '' : dir}/`) &&
            files.get(path)!.layer < layerIndex
          ) {
            files.delete(path)
          }
        }
        continue
      }
      if (base.startsWith(whiteoutPrefix)) {
        const removed = posix.join(dir, base.slice(whiteoutPrefix.length))
        files.delete(removed)
        for (const path of [...files.keys()]) {
          if (path.startsWith(`${removed}/`)) files.delete(path)
        }
        continue
      }
      if (entry.type === 'file' && visit) visit(entry, layerIndex)
      files.set(entry.path, {
        path: entry.path,
        type: entry.type,
        mode: entry.mode,
        size: entry.size,
        linkTarget: entry.linkTarget,
        layer: layerIndex,
      })
    }
  }
  return new ImageFilesystem(files)
}
