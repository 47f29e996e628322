import { findHelmValues } from './helm-values-target'
import type { ImageBump, ImageOccurrence, SourceFile } from './image-occurrence'
import { findKustomizeImages, isKustomization } from './kustomize-images-target'
import { findSetterMarkers } from './setter-marker-target'
import { assertNoSharedAnchors } from './shared-anchors'
import { findWorkloadImages, isWorkload } from './workload-manifest-target'
import { applyTextEdits, parseYamlDocuments } from './yaml-source'

export interface TargetOptions {
  /** Append a kustomize `images:` entry where none names the image. */
  add: boolean
  /** A dotted key path in Helm values files (`image.tag`). */
  valuesPath?: string
}

/** What bumping some images does to one file: where they are and the resulting text. */
export interface FileBumpPlan {
  path: string
  text: string
  newText: string
  occurrences: ImageOccurrence[]
}

/**
 * Finds every place the bumped images are written in a YAML file and computes
 * the new text by splicing only the changed scalars into the original bytes.
 */
export function planFileBumps(
  file: SourceFile,
  bumps: readonly ImageBump[],
  options: TargetOptions,
): FileBumpPlan {
  const documents = parseYamlDocuments(file.path, file.text)
  const occurrences: ImageOccurrence[] = []
  const taken = new Set<number>()
  const accept = (found: ImageOccurrence[]) => {
    for (const occurrence of found) {
      if (taken.has(occurrence.at)) continue
      if (occurrence.edits.some((edit) => taken.has(edit.start))) continue
      taken.add(occurrence.at)
      for (const edit of occurrence.edits) taken.add(edit.start)
      occurrences.push(occurrence)
    }
  }
  documents.forEach((document, index) => {
    const before = occurrences.length
    for (const bump of bumps) {
      // Markers first: they say exactly which value to set, whatever the file is.
      accept(findSetterMarkers(file, document, bump))
      if (isKustomization(file.path, document)) {
        accept(findKustomizeImages(file, document, bump, options.add))
      } else if (isWorkload(document)) {
        accept(findWorkloadImages(file, document, index, bump))
      } else {
        // Values files, and objects that embed values (a Flux HelmRelease's
        // spec.values, an Argo CD Application's helm valuesObject).
        accept(findHelmValues(file, document, bump, options.valuesPath))
      }
    }
    assertNoSharedAnchors(file.path, document, occurrences.slice(before))
  })
  const edits = occurrences.flatMap((occurrence) => occurrence.edits)
  return {
    path: file.path,
    text: file.text,
    newText: applyTextEdits(file.text, edits),
    occurrences,
  }
}
