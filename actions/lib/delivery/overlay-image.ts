import { isMap, isSeq } from 'yaml'
import { UsageError } from '../errors'
import { mapValue, parseYamlDocuments, stringAt } from '../writeback/yaml-source'

/** One `images:` entry of a kustomization: what it matches and what it renders to. */
export interface OverlayImageEntry {
  name: string
  newName?: string
}

/** The file names kustomize reads a kustomization from, in its order of preference. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']

/** The `images:` entries of a kustomization's text (entries without a name are skipped). */
export function listOverlayImages(path: string, text: string): OverlayImageEntry[] {
  const entries: OverlayImageEntry[] = []
  for (const document of parseYamlDocuments(path, text)) {
    const root = document.contents
    if (!isMap(root)) continue
    const images = mapValue(root, 'images')
    if (!isSeq(images)) continue
    for (const item of images.items) {
      if (!isMap(item)) continue
      const name = stringAt(item, 'name')
      if (!name) continue
      const newName = stringAt(item, 'newName')
      entries.push(newName ? { name, newName } : { name })
    }
  }
  return entries
}

/** The entry a delivery bumps, and whether the bump appends it (`--add`). */
export interface OverlayImageTarget {
  /** The entry's `name`, which the bump matches on. */
  name: string
  /** True when no entry names the image and `--add` appends one. */
  adding: boolean
}

export interface OverlayImageChoice {
  /** Where the entries were read, for messages (e.g. overlays/dev/kustomization.yaml). */
  file: string
  entries: readonly OverlayImageEntry[]
  /** `--overlay-image`: an entry's name or newName. */
  requested?: string
  /** The image's repository inside the registry (`acme/payments`), to recognise its entry. */
  imageName: string
  add: boolean
}

function describe(entries: readonly OverlayImageEntry[]): string {
  if (entries.length === 0) return 'none'
  return entries
    .map((entry) => (entry.newName ? `${entry.name} (newName ${entry.newName})` : entry.name))
    .join(', ')
}

function names(entry: OverlayImageEntry, image: string): boolean {
  return entry.name === image || entry.newName === image
}

/** The last path parts of a repository equal to `imageName` (ghcr.io/acme/payments ↔ acme/payments). */
function endsWithImageName(repository: string | undefined, imageName: string): boolean {
  return repository === imageName || (repository?.endsWith(`/${imageName}`) ?? false)
}

/**
 * Which `images:` entry of the overlay the delivery rewrites. `--overlay-image` names it
 * (by name or newName); otherwise the only entry, or the only one whose name or newName
 * ends in the image name. Anything else is an input error listing the entries found.
 */
export function chooseOverlayImage(choice: OverlayImageChoice): OverlayImageTarget {
  const { file, entries, requested, imageName, add } = choice
  const found = `images in ${file}: ${describe(entries)}`
  if (requested !== undefined) {
    const matches = entries.filter((entry) => names(entry, requested))
    if (matches.length >= 1) return { name: matches[0]!.name, adding: false }
    if (add) return { name: requested, adding: true }
    throw new UsageError(
      `--overlay-image '${requested}' is not an images: entry of the overlay (${found}); name one of them, or pass --add to append it`,
    )
  }
  if (entries.length === 1) return { name: entries[0]!.name, adding: false }
  if (entries.length === 0) {
    throw new UsageError(
      `${file} has no images: entry to bump; pass --overlay-image NAME --add, NAME being the image the base's containers name`,
    )
  }
  const likely = entries.filter(
    (entry) =>
      endsWithImageName(entry.name, imageName) || endsWithImageName(entry.newName, imageName),
  )
  if (likely.length === 1) return { name: likely[0]!.name, adding: false }
  throw new UsageError(
    `cannot tell which image of the overlay is ${imageName} (${found}); pass --overlay-image NAME`,
  )
}
