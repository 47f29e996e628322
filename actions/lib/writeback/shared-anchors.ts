import { type Document, isMap, isPair, isScalar, isSeq, visit } from 'yaml'
import type { ImageOccurrence } from './image-occurrence'
import { WriteBackFailure } from './write-back-failure'
import { scalarText } from './yaml-source'

/** Where an alias is used, named by the image or object around it (`images[other]`). */
function describeAliasUse(path: readonly unknown[]): string {
  const keys: string[] = []
  let named: string | undefined
  for (const node of path) {
    if (isPair(node) && isScalar(node.key)) keys.push(scalarText(node.key))
    if (isMap(node)) {
      const name = node.items.find((pair) => isScalar(pair.key) && pair.key.value === 'name')
      if (name && isScalar(name.value)) named = scalarText(name.value)
    }
    if (isSeq(node) && keys.length > 0 && named === undefined) keys[keys.length - 1] += '[]'
  }
  const where = keys.join('.') || '(root)'
  return named === undefined ? where : `${where} (${named})`
}

/**
 * Refuses edits of a scalar that carries an anchor (`&ver 0.1.0`) used elsewhere through an
 * alias (`*ver`): the edit would silently move whatever the alias stands for too, often
 * another image. The file is left as it is.
 */
export function assertNoSharedAnchors(
  file: string,
  document: Document.Parsed,
  occurrences: readonly ImageOccurrence[],
): void {
  const anchoredAt = new Map<number, string>()
  const aliasUses = new Map<string, string[]>()
  visit(document, {
    Scalar(_key, node) {
      if (node.anchor && node.range) anchoredAt.set(node.range[0], node.anchor)
    },
    Alias(_key, node, path) {
      const uses = aliasUses.get(node.source) ?? []
      uses.push(describeAliasUse(path))
      aliasUses.set(node.source, uses)
    },
  })
  if (aliasUses.size === 0) return
  for (const occurrence of occurrences) {
    for (const edit of occurrence.edits) {
      const anchor = anchoredAt.get(edit.start)
      const uses = anchor === undefined ? undefined : aliasUses.get(anchor)
      if (!uses) continue
      throw new WriteBackFailure(
        `${file}: the ${occurrence.image} value carries the anchor &${anchor}, which ${uses.join(', ')} also uses through *${anchor}; bumping it would move that too. Write the value out in each place instead of sharing it`,
      )
    }
  }
}
