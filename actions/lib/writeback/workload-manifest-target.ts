import { type Document, isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml'
import {
  type ImageBump,
  type ImageOccurrence,
  type SourceFile,
  tagAfterBump,
} from './image-occurrence'
import { assertPinKept, formatImageReference, parseImageReference } from './image-reference'
import { mapValue, replaceScalar, scalarText, stringAt } from './yaml-source'

/** Where each workload kind keeps its pod spec, as a path of keys from the object root. */
const podSpecPaths: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  // Argo Rollouts embed a full pod template under spec.template.
  Rollout: ['spec', 'template', 'spec'],
}

const containerLists = ['initContainers', 'containers'] as const

/** Whether a document is a Kubernetes workload whose pod template golden-path knows. */
export function isWorkload(document: Document.Parsed): boolean {
  const root = document.contents
  return (
    isMap(root) &&
    stringAt(root, 'apiVersion') !== undefined &&
    podSpecPaths[stringAt(root, 'kind') ?? ''] !== undefined
  )
}

function walk(root: YAMLMap, path: readonly string[]): Node | null | undefined {
  let node: Node | null | undefined = root
  for (const key of path) {
    if (!isMap(node)) return undefined
    node = mapValue(node, key)
  }
  return node
}

/**
 * The `image` of every container and init container of a workload that runs
 * the bumped repository. The repository must match exactly, so `app` never
 * matches `app-sidecar` or `team/app`.
 */
export function findWorkloadImages(
  file: SourceFile,
  document: Document.Parsed,
  documentIndex: number,
  bump: ImageBump,
): ImageOccurrence[] {
  const root = document.contents
  if (!isMap(root)) return []
  const kind = stringAt(root, 'kind') ?? ''
  const path = podSpecPaths[kind]
  if (!path) return []
  const podSpec = walk(root, path)
  if (!isMap(podSpec)) return []
  const objectName = isMap(mapValue(root, 'metadata'))
    ? stringAt(mapValue(root, 'metadata') as YAMLMap, 'name')
    : undefined
  const occurrences: ImageOccurrence[] = []
  for (const list of containerLists) {
    const containers = mapValue(podSpec, list)
    if (!isSeq(containers)) continue
    containers.items.forEach((container, index) => {
      if (!isMap(container)) return
      const imageNode = mapValue(container, 'image')
      if (!isScalar(imageNode)) return
      const current = parseImageReference(scalarText(imageNode))
      if (current?.repository !== bump.image) return
      const containerName = stringAt(container, 'name') ?? String(index)
      const locator = `manifest:${documentIndex}:${kind}/${objectName ?? ''}:${list}[${containerName}]`
      const where = `${file.path}: ${kind}/${objectName ?? ''} ${list}[${containerName}].image`
      assertPinKept(current, bump, where)
      const next = {
        repository: current.repository,
        tag: tagAfterBump(current, bump),
        digest: bump.digest,
      }
      const edit = replaceScalar(imageNode, formatImageReference(next), where)
      occurrences.push({
        locator,
        at: imageNode.range![0],
        image: bump.image,
        old: { tag: current.tag, digest: current.digest },
        new: { tag: next.tag, digest: next.digest },
        edits: edit ? [edit] : [],
      })
    })
  }
  return occurrences
}
