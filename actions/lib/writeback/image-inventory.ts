import { isMap, isScalar, isSeq, type Node } from 'yaml'
import { parseImageReference } from './image-reference'
import { parseYamlDocuments, scalarText, stringAt } from './yaml-source'

/**
 * The image repositories a YAML file names, for a "not found" message that tells the
 * user what is there: kustomize `images:` names and newNames, container `image:`
 * references and Helm `repository:` values.
 */
export function imagesNamedIn(path: string, text: string): string[] {
  const found = new Set<string>()
  const visit = (node: unknown, key?: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : undefined
        visit(pair.value, name)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (key === 'images' && isMap(item)) {
          for (const field of ['name', 'newName']) {
            const value = stringAt(item, field)
            if (value) found.add(value)
          }
        } else {
          visit(item, key)
        }
      }
    } else if (isScalar(node) && (key === 'image' || key === 'repository')) {
      const text = scalarText(node)
      const repository = key === 'image' ? parseImageReference(text)?.repository : text
      if (repository) found.add(repository)
    }
  }
  try {
    for (const document of parseYamlDocuments(path, text)) visit(document.contents as Node)
  } catch {
    // A file that does not parse names no images; planning reports its error.
  }
  return [...found]
}
