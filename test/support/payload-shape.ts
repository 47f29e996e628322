/**
 * The shape of a JSON payload: every leaf as `path: JSON type`, so two servers' answers to
 * the same request can be compared field by field without comparing their values.
 */
export type PayloadShape = Map<string, string>

/**
 * Objects whose keys are data, not field names (label and annotation keys, a managed
 * field set): their keys become `*`, so `labels.app` and `labels.tier` are one field.
 */
const keyedByData = new Set(['labels', 'annotations', 'targetLabels', 'matchLabels'])
/** Objects whose content is opaque to every client: only their presence counts. */
const opaque = new Set(['fieldsV1'])

/** Array items collapse to `[]`; an empty array is `array`, an empty object `object`. */
export function shapeOf(value: unknown): PayloadShape {
  const shape: PayloadShape = new Map()
  const visit = (node: unknown, at: string, key: string) => {
    if (Array.isArray(node)) {
      if (node.length === 0) shape.set(at, 'array')
      for (const item of node) visit(item, `${at}[]`, key)
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node)
      if (entries.length === 0 || opaque.has(key)) {
        shape.set(at, 'object')
        return
      }
      for (const [child, value] of entries) {
        const name = keyedByData.has(key) ? '*' : child
        visit(value, at ? `${at}.${name}` : name, name)
      }
    } else {
      shape.set(at, node === null ? 'null' : typeof node)
    }
  }
  visit(value, '', '')
  return shape
}

/** A field one side may serve and the other not, and why that is not a difference of shape. */
export interface AllowedDifference {
  /** A path, or a path prefix ending in `.` or `[]`. */
  path: string
  why: string
}

function allowed(path: string, allowList: readonly AllowedDifference[]): boolean {
  return allowList.some(
    ({ path: prefix }) =>
      path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[]`),
  )
}

/** True when `path` exists in `shape` as a leaf, or as an empty/filled container of it. */
function served(shape: PayloadShape, path: string): boolean {
  if (shape.has(path)) return true
  for (const key of shape.keys()) {
    if (key.startsWith(`${path}.`) || key.startsWith(`${path}[]`)) return true
  }
  return false
}

/**
 * Every field one side serves and the other does not, and every field both serve with
 * different JSON types, except the allowed ones. An empty container on one side and a
 * filled one on the other are the same field.
 */
export function shapeDifferences(
  simulated: PayloadShape,
  real: PayloadShape,
  allowList: readonly AllowedDifference[],
): string[] {
  const found: string[] = []
  for (const [path, type] of simulated) {
    if (allowed(path, allowList)) continue
    const realType = real.get(path)
    if (realType === undefined) {
      if (type === 'array' || type === 'object' ? served(real, path) : false) continue
      if (!served(real, path)) found.push(`${path} (${type}): served by the simulator only`)
      else found.push(`${path}: simulator ${type}, Argo CD a container`)
    } else if (realType !== type) {
      found.push(`${path}: simulator ${type}, Argo CD ${realType}`)
    }
  }
  for (const [path, type] of real) {
    if (allowed(path, allowList) || simulated.has(path)) continue
    if ((type === 'array' || type === 'object') && served(simulated, path)) continue
    if (!served(simulated, path)) found.push(`${path} (${type}): served by Argo CD only`)
  }
  return found
}
