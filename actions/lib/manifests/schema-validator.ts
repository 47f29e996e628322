import type { Anchor } from './positions'
import type { JsonSchema } from './schema-bundle'

/** A schema violation before it is positioned in the file. */
export interface SchemaViolation {
  rule: string
  message: string
  /** JSON pointer relative to the validated resource. */
  path: string
  anchor: Anchor
}

/**
 * Interprets the subset of JSON Schema that Kubernetes OpenAPI definitions and CRD structural
 * schemas use, plus their extensions (x-kubernetes-int-or-string,
 * x-kubernetes-preserve-unknown-fields, x-kubernetes-embedded-resource). Interpreting instead
 * of compiling matters for start-up: compiling the PodSpec tree with a code-generating
 * validator costs hundreds of milliseconds before the first document is read.
 */
export class SchemaValidator {
  private readonly patterns = new Map<string, RegExp | null>()

  constructor(
    private readonly definitions: Record<string, JsonSchema>,
    private readonly strict: boolean,
  ) {}

  validate(schema: JsonSchema, value: unknown): SchemaViolation[] {
    const out: SchemaViolation[] = []
    this.check(schema, value, '', out, 0)
    return out
  }

  private resolve(schema: JsonSchema): JsonSchema {
    let current = schema
    // Definitions refer to each other by name; a chain of pure references is short.
    for (let hops = 0; typeof current.$ref === 'string' && hops < 16; hops++) {
      // Bundle references are bare names; standalone JSON Schemas use local pointers.
      const reference = current.$ref as string
      const name = reference.startsWith('#/definitions/')
        ? reference.slice(14).replace(/~1/g, '/').replace(/~0/g, '~')
        : reference
      const target = this.definitions[name]
      if (!target) return {}
      current = target
    }
    return current
  }

  private pattern(source: string): RegExp | null {
    let compiled = this.patterns.get(source)
    if (compiled === undefined) {
      try {
        compiled = new RegExp(source, 'u')
      } catch {
        compiled = null
      }
      this.patterns.set(source, compiled)
    }
    return compiled
  }

  private check(
    raw: JsonSchema,
    value: unknown,
    path: string,
    out: SchemaViolation[],
    depth: number,
  ): boolean {
    if (depth > 200) return true
    const schema = this.resolve(raw)
    const before = out.length
    const intOrString = schema['x-kubernetes-int-or-string'] === true
    const declared = intOrString ? ['integer', 'string'] : schema.type
    if (declared !== undefined) {
      const types = Array.isArray(declared) ? (declared as string[]) : [declared as string]
      if (!types.some((type) => hasType(value, type))) {
        out.push({
          rule: 'schema-type',
          message: `expected ${types.join(' or ')}, got ${describe(value)}`,
          path,
          anchor: 'value',
        })
        return false
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) {
      out.push({
        rule: 'schema-enum',
        message: `must be one of ${schema.enum.map((allowed) => JSON.stringify(allowed)).join(', ')}`,
        path,
        anchor: 'value',
      })
    }
    if (typeof value === 'string') this.checkString(schema, value, path, out)
    else if (typeof value === 'number') this.checkNumber(schema, value, path, out)
    else if (Array.isArray(value)) this.checkArray(schema, value, path, out, depth)
    else if (value !== null && typeof value === 'object') {
      this.checkObject(schema, value as Record<string, unknown>, path, out, depth)
    }
    if (Array.isArray(schema.allOf)) {
      for (const part of schema.allOf as JsonSchema[]) this.check(part, value, path, out, depth + 1)
    }
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const options = schema[keyword]
      if (!Array.isArray(options)) continue
      const passing = (options as JsonSchema[]).filter((option) =>
        this.check(option, value, path, [], depth + 1),
      ).length
      if (passing === 0 || (keyword === 'oneOf' && passing > 1)) {
        out.push({
          rule: `schema-${keyword.toLowerCase()}`,
          message:
            passing === 0
              ? `matches none of the ${options.length} allowed forms`
              : `matches ${passing} of the allowed forms, exactly one is allowed`,
          path,
          anchor: 'value',
        })
      }
    }
    if (
      schema.not &&
      typeof schema.not === 'object' &&
      this.check(schema.not as JsonSchema, value, path, [], depth + 1)
    ) {
      out.push({
        rule: 'schema-not',
        message: 'matches a form that is not allowed',
        path,
        anchor: 'value',
      })
    }
    return out.length === before
  }

  private checkString(schema: JsonSchema, value: string, path: string, out: SchemaViolation[]) {
    if (typeof schema.pattern === 'string') {
      const pattern = this.pattern(schema.pattern)
      if (pattern && !pattern.test(value)) {
        const quantity = schema.pattern.includes('Ki|Mi|Gi')
        out.push({
          rule: quantity ? 'schema-quantity' : 'schema-pattern',
          message: quantity
            ? `'${value}' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)`
            : `'${value}' does not match ${schema.pattern}`,
          path,
          anchor: 'value',
        })
      }
    }
    const length = [...value].length
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
      out.push({
        rule: 'schema-length',
        message: `longer than ${schema.maxLength} characters`,
        path,
        anchor: 'value',
      })
    }
    if (typeof schema.minLength === 'number' && length < schema.minLength) {
      out.push({
        rule: 'schema-length',
        message: `shorter than ${schema.minLength} characters`,
        path,
        anchor: 'value',
      })
    }
  }

  private checkNumber(schema: JsonSchema, value: number, path: string, out: SchemaViolation[]) {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema
    const low =
      typeof minimum === 'number' &&
      (exclusiveMinimum === true ? value <= minimum : value < minimum)
    const high =
      typeof maximum === 'number' &&
      (exclusiveMaximum === true ? value >= maximum : value > maximum)
    if (low)
      out.push({
        rule: 'schema-range',
        message: `must be at least ${minimum}`,
        path,
        anchor: 'value',
      })
    if (high)
      out.push({
        rule: 'schema-range',
        message: `must be at most ${maximum}`,
        path,
        anchor: 'value',
      })
    if (
      typeof schema.multipleOf === 'number' &&
      schema.multipleOf > 0 &&
      value % schema.multipleOf !== 0
    ) {
      out.push({
        rule: 'schema-range',
        message: `must be a multiple of ${schema.multipleOf}`,
        path,
        anchor: 'value',
      })
    }
  }

  private checkArray(
    schema: JsonSchema,
    value: unknown[],
    path: string,
    out: SchemaViolation[],
    depth: number,
  ) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      out.push({
        rule: 'schema-items',
        message: `more than ${schema.maxItems} items`,
        path,
        anchor: 'value',
      })
    }
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      out.push({
        rule: 'schema-items',
        message: `fewer than ${schema.minItems} items`,
        path,
        anchor: 'value',
      })
    }
    const items = schema.items
    if (items && typeof items === 'object' && !Array.isArray(items)) {
      for (let index = 0; index < value.length; index++) {
        this.check(items as JsonSchema, value[index], `${path}/${index}`, out, depth + 1)
      }
    }
  }

  private checkObject(
    schema: JsonSchema,
    value: Record<string, unknown>,
    path: string,
    out: SchemaViolation[],
    depth: number,
  ) {
    const properties = schema.properties as Record<string, JsonSchema> | undefined
    if (Array.isArray(schema.required)) {
      for (const field of schema.required as string[]) {
        if (value[field] === undefined) {
          out.push({
            rule: 'schema-required',
            message: `missing required field '${field}'`,
            path: `${path}/${escapeSegment(field)}`,
            anchor: 'key',
          })
        }
      }
    }
    const additional = schema.additionalProperties
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true
    const embedded = schema['x-kubernetes-embedded-resource'] === true
    const closed =
      additional === false ||
      (this.strict && properties !== undefined && additional === undefined && !preserve)
    for (const key in value) {
      const child = value[key]
      if (child === undefined) continue
      const property = properties?.[key]
      const childPath = `${path}/${escapeSegment(key)}`
      if (property) this.check(property, child, childPath, out, depth + 1)
      else if (additional && typeof additional === 'object') {
        this.check(additional as JsonSchema, child, childPath, out, depth + 1)
      } else if (
        closed &&
        !(embedded && (key === 'apiVersion' || key === 'kind' || key === 'metadata'))
      ) {
        out.push({
          rule: 'schema-unknown-field',
          message: `unknown field '${key}'`,
          path: childPath,
          anchor: 'key',
        })
      }
    }
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
    case 'array':
      return Array.isArray(value)
    case 'null':
      return value === null
    default:
      return true
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function escapeSegment(segment: string): string {
  if (segment.indexOf('~') === -1 && segment.indexOf('/') === -1) return segment
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}
