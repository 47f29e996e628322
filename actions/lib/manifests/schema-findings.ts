import type { ErrorObject } from 'ajv'
import type { Anchor } from './positions'

/** A schema violation before it is positioned in the file. */
export interface SchemaViolation {
  rule: string
  message: string
  /** JSON pointer relative to the validated resource. */
  path: string
  anchor: Anchor
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (typeof value === 'object') return 'object'
  return typeof value
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

function valueAt(resource: unknown, pointer: string): unknown {
  let node = resource
  if (pointer === '') return node
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

/** Ajv's errors as user-facing violations: one per problem, named for what is wrong. */
export function schemaViolations(
  errors: readonly ErrorObject[],
  resource: unknown,
): SchemaViolation[] {
  const violations: SchemaViolation[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    const path = error.instancePath
    let violation: SchemaViolation
    switch (error.keyword) {
      case 'required': {
        const field = String(error.params.missingProperty)
        violation = {
          rule: 'schema-required',
          message: `missing required field '${field}'`,
          path: `${path}/${escapeSegment(field)}`,
          anchor: 'key',
        }
        break
      }
      case 'additionalProperties': {
        const field = String(error.params.additionalProperty)
        violation = {
          rule: 'schema-unknown-field',
          message: `unknown field '${field}'`,
          path: `${path}/${escapeSegment(field)}`,
          anchor: 'key',
        }
        break
      }
      case 'type': {
        const expected = String(error.params.type).split(',').join(' or ')
        violation = {
          rule: 'schema-type',
          message: `expected ${expected}, got ${describe(valueAt(resource, path))}`,
          path,
          anchor: 'value',
        }
        break
      }
      case 'enum':
        violation = {
          rule: 'schema-enum',
          message: `must be one of ${(error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`,
          path,
          anchor: 'value',
        }
        break
      case 'pattern': {
        const value = valueAt(resource, path)
        const quantity = String(error.params.pattern).includes('Ki|Mi|Gi')
        violation = {
          rule: quantity ? 'schema-quantity' : 'schema-pattern',
          message: quantity
            ? `'${String(value)}' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)`
            : `'${String(value)}' does not match ${String(error.params.pattern)}`,
          path,
          anchor: 'value',
        }
        break
      }
      default:
        violation = {
          rule: `schema-${error.keyword.toLowerCase()}`,
          message: error.message ?? `fails ${error.keyword}`,
          path,
          anchor: 'value',
        }
    }
    const key = `${violation.rule}\u0000${violation.path}\u0000${violation.message}`
    if (seen.has(key)) continue
    seen.add(key)
    violations.push(violation)
  }
  return violations
}
