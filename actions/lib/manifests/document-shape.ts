/**
 * Bounds on what one document may expand to. js-yaml shares aliased nodes instead of copying
 * them, so an alias bomb parses instantly but would make any full traversal exponential.
 */
export const maxExpandedNodes = 1_000_000

export type ShapeProblem = { rule: 'alias-expansion'; message: string }

/**
 * Walks a parsed document once: removes `null` values of mapping keys (the API server treats
 * an explicit null as an omitted field, so a null optional field is valid and a null required
 * field is missing), and stops at the expansion bound.
 */
export function normalizeDocument(value: unknown): ShapeProblem | undefined {
  let budget = maxExpandedNodes
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object') continue
    if (--budget < 0) {
      return {
        rule: 'alias-expansion',
        message: `document expands to more than ${maxExpandedNodes} nodes (YAML aliases)`,
      }
    }
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === 'object') stack.push(item)
      continue
    }
    const record = node as Record<string, unknown>
    for (const key in record) {
      const child = record[key]
      if (child === null) delete record[key]
      else if (typeof child === 'object') stack.push(child)
    }
  }
  return undefined
}
