import { parseAllDocuments } from 'yaml'
import { imageReferenceParts } from './image-reference-parts'

/** One image repository whose references differ between two renderings of an overlay. */
export interface ImageChange {
  repository: string
  /** References before (sorted); empty when the image is new to the overlay. */
  old: string[]
  /** References after (sorted); empty when the image left the overlay. */
  new: string[]
  /** The digest the change pins, when the head pins exactly one. */
  newDigest?: string
  oldDigest?: string
}

/**
 * Every `image:` string of a rendered multi-document stream (containers, init and
 * ephemeral containers of any workload kind, and CRDs that follow the same
 * convention). Documents that do not parse contribute nothing: the validation
 * step reports them.
 */
export function imagesOf(rendered: string): string[] {
  const found = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item)
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'image' && typeof value === 'string' && value.trim() !== '') {
          found.add(value.trim())
        } else visit(value)
      }
    }
  }
  for (const document of parseAllDocuments(rendered)) {
    if ('errors' in document && document.errors.length > 0) continue
    visit(document.toJS({ maxAliasCount: 100 }))
  }
  return [...found].sort()
}

/** The repositories whose references changed from `before` to `after`, by repository. */
export function imageChanges(before: readonly string[], after: readonly string[]): ImageChange[] {
  const byRepository = (references: readonly string[]) => {
    const map = new Map<string, string[]>()
    for (const reference of references) {
      const { repository } = imageReferenceParts(reference)
      map.set(repository, [...(map.get(repository) ?? []), reference].sort())
    }
    return map
  }
  const old = byRepository(before)
  const current = byRepository(after)
  const repositories = [...new Set([...old.keys(), ...current.keys()])].sort()
  const changes: ImageChange[] = []
  for (const repository of repositories) {
    const was = old.get(repository) ?? []
    const now = current.get(repository) ?? []
    if (JSON.stringify(was) === JSON.stringify(now)) continue
    changes.push({
      repository,
      old: was,
      new: now,
      oldDigest: singleDigest(was),
      newDigest: singleDigest(now),
    })
  }
  return changes
}

function singleDigest(references: readonly string[]): string | undefined {
  const digests = new Set(references.map((reference) => imageReferenceParts(reference).digest))
  if (digests.size !== 1) return undefined
  const [digest] = digests
  return digest
}
