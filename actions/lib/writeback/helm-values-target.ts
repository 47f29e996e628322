import { type Document, isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml'
import { UsageError } from '../errors'
import {
  type ImageBump,
  type ImageOccurrence,
  type SourceFile,
  tagAfterBump,
} from './image-occurrence'
import { assertPinKept, formatImageReference, parseImageReference } from './image-reference'
import {
  insertPair,
  mapValue,
  quoted,
  replaceScalar,
  scalarText,
  stringAt,
  type TextEdit,
} from './yaml-source'

/** A full reference written as one string (`image: repo:tag`), moved to the new version. */
function fullReferenceOccurrence(
  file: SourceFile,
  node: Scalar,
  bump: ImageBump,
  locator: string,
): ImageOccurrence | undefined {
  const current = parseImageReference(scalarText(node))
  if (current?.repository !== bump.image || (!current.tag && !current.digest)) return undefined
  assertPinKept(current, bump, `${file.path}: ${locator}`)
  const next = {
    repository: current.repository,
    tag: tagAfterBump(current, bump),
    digest: bump.digest,
  }
  const edit = replaceScalar(node, formatImageReference(next), `${file.path}: ${locator}`)
  return {
    locator: `values:${locator}`,
    at: node.range![0],
    image: bump.image,
    old: { tag: current.tag, digest: current.digest },
    new: { tag: next.tag, digest: next.digest },
    edits: edit ? [edit] : [],
  }
}

/** The repository a chart's `image:` map names, with its optional `registry` prefix. */
function repositoryOf(map: YAMLMap): string | undefined {
  const repository = stringAt(map, 'repository')
  if (repository === undefined) return undefined
  const registry = stringAt(map, 'registry')
  return registry ? `${registry}/${repository}` : repository
}

function scalarAt(map: YAMLMap, key: string, where: string): Scalar | undefined {
  const node = mapValue(map, key)
  if (node === undefined || node === null) return undefined
  if (!isScalar(node)) throw new UsageError(`${where}.${key} is not a scalar`)
  return node
}

/** Updates a chart's separate `tag` and `digest` keys next to `repository`. */
function splitKeysOccurrence(
  file: SourceFile,
  map: YAMLMap,
  tagKey: string,
  bump: ImageBump,
  path: string,
): ImageOccurrence {
  const where = `${file.path}: ${path}`
  const tagNode = scalarAt(map, tagKey, where)
  const digestNode = scalarAt(map, 'digest', where)
  const old = {
    tag: tagNode ? scalarText(tagNode) || undefined : undefined,
    digest: digestNode ? scalarText(digestNode) || undefined : undefined,
  }
  const edits: TextEdit[] = []
  if (bump.tag !== undefined) {
    const edit = tagNode
      ? replaceScalar(tagNode, bump.tag, `${where}.${tagKey}`)
      : insertPair(file.text, map, tagKey, quoted(bump.tag), where)
    if (edit) edits.push(edit)
  }
  if (bump.digest !== undefined) {
    if (!digestNode) {
      throw new UsageError(`${where} has no 'digest' key to pin ${bump.digest} in`)
    }
    const edit = replaceScalar(digestNode, bump.digest, `${where}.digest`)
    if (edit) edits.push(edit)
  } else {
    assertPinKept(old, bump, `${where}.digest`)
  }
  return {
    locator: `values:${path}.${tagKey}`,
    at: (tagNode ?? map).range![0],
    image: bump.image,
    old,
    new: { tag: bump.tag ?? old.tag, digest: bump.digest },
    edits,
  }
}

function nodeAtPath(
  root: Node | null,
  keys: readonly string[],
): { parent?: YAMLMap; node?: Node | null } {
  let parent: YAMLMap | undefined
  let node: Node | null | undefined = root
  for (const key of keys) {
    if (!isMap(node)) return {}
    parent = node
    node = mapValue(node, key)
  }
  return { parent, node }
}

/**
 * Helm values: the key `valuesPath` names (`image.tag`), or, when none is
 * named, every `repository`/`tag`/`digest` map and every full reference string
 * that names the bumped image.
 */
export function findHelmValues(
  file: SourceFile,
  document: Document.Parsed,
  bump: ImageBump,
  valuesPath: string | undefined,
): ImageOccurrence[] {
  const root = document.contents
  if (valuesPath !== undefined) {
    const keys = valuesPath.split('.')
    const { parent, node } = nodeAtPath(root, keys)
    if (!parent || node === undefined) return []
    if (!isScalar(node)) throw new UsageError(`${file.path}: ${valuesPath} is not a scalar`)
    const full = fullReferenceOccurrence(file, node, bump, valuesPath)
    if (full) return [full]
    const repository = repositoryOf(parent)
    if (repository !== undefined && repository !== bump.image) return []
    const parentPath = keys.slice(0, -1).join('.') || '(root)'
    return [splitKeysOccurrence(file, parent, keys[keys.length - 1]!, bump, parentPath)]
  }

  const occurrences: ImageOccurrence[] = []
  const visit = (node: Node | null | undefined, path: string): void => {
    if (isMap(node)) {
      if (repositoryOf(node) === bump.image) {
        occurrences.push(splitKeysOccurrence(file, node, 'tag', bump, path || '(root)'))
        return
      }
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?'
        visit(pair.value as Node | null, path ? `${path}.${key}` : key)
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        visit(item as Node, `${path}[${index}]`)
      })
    } else if (isScalar(node) && typeof node.value === 'string') {
      const full = fullReferenceOccurrence(file, node, bump, path)
      if (full) occurrences.push(full)
    }
  }
  visit(root, '')
  return occurrences
}
