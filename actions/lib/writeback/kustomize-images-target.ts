import { type Document, isMap, isScalar, isSeq, type YAMLMap } from 'yaml'
import { UsageError } from '../errors'
import {
  type ImageBump,
  type ImageOccurrence,
  type SourceFile,
  tagAfterBump,
} from './image-occurrence'
import { assertPinKept } from './image-reference'
import {
  appendMapItem,
  insertPair,
  mapValue,
  quoted,
  removePair,
  replaceScalar,
  scalarText,
  stringAt,
  type TextEdit,
} from './yaml-source'

const kustomizationFileNames = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization'])

/** Kustomize reads a kustomization from these file names; `kind` is optional in them. */
export function isKustomization(path: string, document: Document.Parsed): boolean {
  const base = path.split(/[\\/]/).pop() ?? path
  if (kustomizationFileNames.has(base)) return true
  const root = document.contents
  return isMap(root) && stringAt(root, 'kind') === 'Kustomization'
}

function setField(
  file: SourceFile,
  entry: YAMLMap,
  key: string,
  value: string,
  where: string,
): TextEdit | undefined {
  const node = mapValue(entry, key)
  if (node === undefined || node === null) {
    return insertPair(file.text, entry, key, quoted(value), where)
  }
  if (!isScalar(node)) throw new UsageError(`${where}.${key} is not a scalar`)
  return replaceScalar(node, value, `${where}.${key}`)
}

/**
 * The `images:` entries of a kustomization that name the bumped image, by
 * `name` or by `newName`, updated in place. With `add`, a kustomization that
 * lists no such entry gets one appended.
 */
export function findKustomizeImages(
  file: SourceFile,
  document: Document.Parsed,
  bump: ImageBump,
  add: boolean,
): ImageOccurrence[] {
  const root = document.contents
  if (!isMap(root)) return []
  const images = mapValue(root, 'images')
  const occurrences: ImageOccurrence[] = []
  const entries = isSeq(images) ? images.items.filter(isMap) : []
  for (const entry of entries) {
    const name = stringAt(entry, 'name')
    const newName = stringAt(entry, 'newName')
    if (name !== bump.image && newName !== bump.image) continue
    const where = `${file.path}: images[${name}]`
    const tagNode = mapValue(entry, 'newTag')
    const digestNode = mapValue(entry, 'digest')
    for (const [key, node] of [
      ['newTag', tagNode],
      ['digest', digestNode],
    ] as const) {
      if (node !== undefined && node !== null && !isScalar(node)) {
        throw new UsageError(`${where}.${key} is not a scalar`)
      }
      if (isScalar(node) && node.value !== null && typeof node.value === 'object') {
        throw new UsageError(`${where}.${key} is not a scalar`)
      }
    }
    const old = {
      tag: isScalar(tagNode) ? scalarText(tagNode) || undefined : undefined,
      digest: isScalar(digestNode) ? scalarText(digestNode) || undefined : undefined,
    }
    assertPinKept(old, bump, where)
    const edits: TextEdit[] = []
    if (bump.newName !== undefined && bump.newName !== name) {
      const edit = setField(file, entry, 'newName', bump.newName, where)
      if (edit) edits.push(edit)
    }
    const tag = tagAfterBump(old, bump)
    if (tag !== undefined) {
      const edit = setField(file, entry, 'newTag', tag, where)
      if (edit) edits.push(edit)
    } else if (tagNode !== undefined) {
      edits.push(removePair(file.text, entry, 'newTag', where))
    }
    if (bump.digest !== undefined) {
      const edit = setField(file, entry, 'digest', bump.digest, where)
      if (edit) edits.push(edit)
    }
    occurrences.push({
      locator: `kustomize:images[${name}]`,
      at: ((tagNode ?? entry) as { range: [number, number, number] }).range[0],
      image: bump.image,
      old,
      new: { tag, digest: bump.digest },
      edits,
    })
  }
  if (occurrences.length > 0 || !add) return occurrences

  const fields = [`name: ${quoted(bump.image)}`]
  if (bump.newName !== undefined && bump.newName !== bump.image) {
    fields.push(`newName: ${quoted(bump.newName)}`)
  }
  if (bump.tag !== undefined) fields.push(`newTag: ${quoted(bump.tag)}`)
  if (bump.digest !== undefined) fields.push(`digest: ${quoted(bump.digest)}`)
  const where = `${file.path}: images`
  let edit: TextEdit
  if (isSeq(images) && (images.items.length > 0 || images.flow)) {
    edit = appendMapItem(file.text, images, fields, where)
  } else if (images === undefined || images === null) {
    if (root.items.length === 0) throw new UsageError(`${file.path} is an empty kustomization`)
    edit = insertPair(
      file.text,
      root,
      'images',
      fields.map((field, index) => (index === 0 ? `- ${field}` : `  ${field}`)),
      where,
    )
  } else {
    throw new UsageError(`${where} is not a list of mappings; cannot add an entry`)
  }
  return [
    {
      locator: `kustomize:images[${bump.image}]`,
      at: edit.start,
      image: bump.image,
      old: {},
      new: { tag: bump.tag, digest: bump.digest },
      edits: [edit],
    },
  ]
}
