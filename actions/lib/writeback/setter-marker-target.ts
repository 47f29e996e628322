import { type Document, isMap, isPair, isScalar, isSeq, type Node, type Scalar } from 'yaml'
import type { ImageBump, ImageOccurrence, SourceFile } from './image-occurrence'
import { assertPinKept, formatImageReference, parseImageReference } from './image-reference'
import { replaceScalar, scalarText, type TextEdit } from './yaml-source'

// Flux image automation's marker: a line comment naming an ImagePolicy, with an
// optional suffix saying which part of the reference the value on that line holds.
const markerPattern = /#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}/g

type MarkerField = 'full' | 'name' | 'tag' | 'digest'

interface SetterMarker {
  policy: string
  field: MarkerField
  node: Scalar
}

function collectScalars(node: Node | null | undefined, into: Scalar[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair)) collectScalars(pair.value as Node | null, into)
    }
  } else if (isSeq(node)) {
    for (const item of node.items) collectScalars(item as Node, into)
  } else if (isScalar(node)) {
    into.push(node)
  }
}

function markersOf(file: SourceFile, document: Document.Parsed): SetterMarker[] {
  const scalars: Scalar[] = []
  collectScalars(document.contents, scalars)
  const [start, end] = [document.range[0], document.range[2]]
  const markers: SetterMarker[] = []
  for (const match of file.text.slice(start, end).matchAll(markerPattern)) {
    const offset = start + match.index
    const lineBegin = file.text.lastIndexOf('\n', offset - 1) + 1
    // The value a marker governs is the scalar that ends on the marker's line, before it.
    const node = scalars.find(
      (scalar) => scalar.range && scalar.range[1] <= offset && scalar.range[0] >= lineBegin,
    )
    if (!node) continue
    const [namespace, name, suffix] = match[1]!.split(':')
    const field: MarkerField =
      suffix === 'tag' || suffix === 'digest' || suffix === 'name' ? suffix : 'full'
    markers.push({ policy: `${namespace}:${name}`, field, node })
  }
  return markers
}

/**
 * Values carrying a Flux setter marker. A policy belongs to the bumped image
 * when one of its full or `:name` markers names that repository; a policy with
 * only `:tag`/`:digest` markers in the file belongs to it when the policy's name
 * is the repository's last path component.
 */
export function findSetterMarkers(
  file: SourceFile,
  document: Document.Parsed,
  bump: ImageBump,
): ImageOccurrence[] {
  const markers = markersOf(file, document)
  const lastComponent = bump.image.split('/').pop()
  const policies = new Set(markers.map((marker) => marker.policy))
  const occurrences: ImageOccurrence[] = []
  for (const policy of policies) {
    const own = markers.filter((marker) => marker.policy === policy)
    const naming = own.filter((marker) => marker.field === 'full' || marker.field === 'name')
    const repositories = naming.map((marker) =>
      marker.field === 'name'
        ? scalarText(marker.node)
        : parseImageReference(scalarText(marker.node))?.repository,
    )
    const matches =
      naming.length > 0 ? repositories.includes(bump.image) : policy.split(':')[1] === lastComponent
    if (!matches) continue
    const seen = new Map<MarkerField, number>()
    for (const marker of own) {
      const ordinal = seen.get(marker.field) ?? 0
      seen.set(marker.field, ordinal + 1)
      const where = `${file.path}: ${marker.policy} marker`
      const locator = `marker:${policy}:${marker.field}[${ordinal}]`
      const text = scalarText(marker.node)
      let edit: TextEdit | undefined
      let old: ImageOccurrence['old']
      let next: ImageOccurrence['new']
      if (marker.field === 'full') {
        const current = parseImageReference(text)
        if (current?.repository !== bump.image) continue
        assertPinKept(current, bump, where)
        old = { tag: current.tag, digest: current.digest }
        next = { tag: bump.tag ?? current.tag, digest: bump.digest }
        edit = replaceScalar(
          marker.node,
          formatImageReference({ repository: bump.image, ...next }),
          where,
        )
      } else if (marker.field === 'tag') {
        if (bump.tag === undefined) continue
        old = { tag: text || undefined }
        next = { tag: bump.tag }
        edit = replaceScalar(marker.node, bump.tag, where)
      } else if (marker.field === 'digest') {
        if (bump.digest === undefined) {
          assertPinKept({ digest: text }, bump, where)
          continue
        }
        old = { digest: text || undefined }
        next = { digest: bump.digest }
        edit = replaceScalar(marker.node, bump.digest, where)
      } else {
        continue
      }
      occurrences.push({
        locator,
        at: marker.node.range![0],
        image: bump.image,
        old,
        new: next,
        edits: edit ? [edit] : [],
      })
    }
  }
  return occurrences
}
