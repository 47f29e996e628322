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

// One bit per JSON Schema type; a value's bits say which declared types it satisfies (an
// integer is also a number).
const stringBit = 1
const integerBit = 2
const numberBit = 4
const booleanBit = 8
const objectBit = 16
const arrayBit = 32
const nullBit = 64
const typeBits: Record<string, number> = {
  string: stringBit,
  integer: integerBit,
  number: numberBit,
  boolean: booleanBit,
  object: objectBit,
  array: arrayBit,
  null: nullBit,
}

function bitsOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBit
    case 'number':
      return Number.isInteger(value) ? integerBit | numberBit : numberBit
    case 'boolean':
      return booleanBit
    case 'object':
      return value === null ? nullBit : Array.isArray(value) ? arrayBit : objectBit
    default:
      return 0
  }
}

/**
 * The keywords of one (resolved) schema read once into fixed fields: the bundle's schemas are
 * JSON objects of many shapes, and reading absent keywords from them on every value costs more
 * than the checks themselves.
 */
class SchemaNode {
  readonly source: JsonSchema
  /** Whether the declared types reject some values; `typeMask` 0 then rejects every value. */
  readonly typed: boolean
  readonly typeMask: number
  readonly typeNames: string
  readonly enumValues: unknown[] | undefined
  readonly pattern: string | undefined
  readonly maxLength: number | undefined
  readonly minLength: number | undefined
  readonly numberChecks: boolean
  readonly maxItems: number | undefined
  readonly minItems: number | undefined
  readonly items: JsonSchema | undefined
  readonly properties: Record<string, JsonSchema> | undefined
  readonly required: string[] | undefined
  readonly additional: JsonSchema | undefined
  readonly closed: boolean
  readonly embedded: boolean
  readonly allOf: JsonSchema[] | undefined
  readonly anyOf: JsonSchema[] | undefined
  readonly oneOf: JsonSchema[] | undefined
  readonly not: JsonSchema | undefined
  /** Compiled lazily: most patterns are never met by a string. */
  compiledPattern: RegExp | null | undefined
  /** The nodes of the declared properties met so far, by name. */
  readonly propertyNodes = new Map<string, SchemaNode>()

  constructor(schema: JsonSchema, strict: boolean) {
    this.source = schema
    const intOrString = schema['x-kubernetes-int-or-string'] === true
    const declared = intOrString ? ['integer', 'string'] : schema.type
    let mask = 0
    let names = ''
    if (declared !== undefined) {
      const types = Array.isArray(declared) ? (declared as string[]) : [declared as string]
      for (const type of types) {
        const bit = typeof type === 'string' && Object.hasOwn(typeBits, type) ? typeBits[type] : -1
        mask |= bit
      }
      names = types.join(' or ')
    }
    // A type name outside JSON Schema's seven accepts every value.
    this.typed = declared !== undefined && mask !== -1
    this.typeMask = mask
    this.typeNames = names
    this.enumValues = Array.isArray(schema.enum) ? schema.enum : undefined
    this.pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined
    this.maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined
    this.minLength = typeof schema.minLength === 'number' ? schema.minLength : undefined
    this.numberChecks =
      typeof schema.minimum === 'number' ||
      typeof schema.maximum === 'number' ||
      (typeof schema.multipleOf === 'number' && schema.multipleOf > 0)
    this.maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : undefined
    this.minItems = typeof schema.minItems === 'number' ? schema.minItems : undefined
    const items = schema.items
    this.items =
      items && typeof items === 'object' && !Array.isArray(items)
        ? (items as JsonSchema)
        : undefined
    const properties = schema.properties as Record<string, JsonSchema> | undefined
    this.properties = properties
    this.required = Array.isArray(schema.required) ? (schema.required as string[]) : undefined
    const additional = schema.additionalProperties
    this.additional =
      additional && typeof additional === 'object' ? (additional as JsonSchema) : undefined
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true
    this.embedded = schema['x-kubernetes-embedded-resource'] === true
    this.closed =
      additional === false ||
      (strict && properties !== undefined && additional === undefined && !preserve)
    this.allOf = Array.isArray(schema.allOf) ? (schema.allOf as JsonSchema[]) : undefined
    this.anyOf = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : undefined
    this.oneOf = Array.isArray(schema.oneOf) ? (schema.oneOf as JsonSchema[]) : undefined
    this.not = schema.not && typeof schema.not === 'object' ? (schema.not as JsonSchema) : undefined
  }
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
  /** Keyed by the schema as written (often a `$ref`), and by the schema it resolves to. */
  private readonly nodes = new Map<JsonSchema, SchemaNode>()
  private readonly resolvedNodes = new Map<JsonSchema, SchemaNode>()
  /**
   * Pointer segments from the resource to the value being checked. The pointer string is built
   * only when a violation is reported: almost every value is valid.
   */
  private readonly segments: (string | number)[] = []

  constructor(
    private readonly definitions: Record<string, JsonSchema>,
    private readonly strict: boolean,
  ) {}

  validate(schema: JsonSchema, value: unknown): SchemaViolation[] {
    const out: SchemaViolation[] = []
    this.segments.length = 0
    // The root is often a fresh `{ $ref }` object per resource: only what it resolves to is kept.
    this.check(this.resolvedNode(this.resolve(schema)), value, out, 0)
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

  private node(schema: JsonSchema): SchemaNode {
    let node = this.nodes.get(schema)
    if (node === undefined) {
      node = this.resolvedNode(this.resolve(schema))
      this.nodes.set(schema, node)
    }
    return node
  }

  private resolvedNode(schema: JsonSchema): SchemaNode {
    let node = this.resolvedNodes.get(schema)
    if (node === undefined) {
      node = new SchemaNode(schema, this.strict)
      this.resolvedNodes.set(schema, node)
    }
    return node
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

  /** The JSON pointer of the value being checked, with one more segment when given. */
  private path(extra?: string): string {
    let path = ''
    for (const segment of this.segments) {
      path += `/${typeof segment === 'number' ? segment : escapeSegment(segment)}`
    }
    return extra === undefined ? path : `${path}/${escapeSegment(extra)}`
  }

  private report(out: SchemaViolation[], rule: string, message: string): void {
    out.push({ rule, message, path: this.path(), anchor: 'value' })
  }

  private check(
    schema: SchemaNode,
    value: unknown,
    out: SchemaViolation[],
    depth: number,
  ): boolean {
    if (depth > 200) return true
    const before = out.length
    if (schema.typed && (schema.typeMask & bitsOf(value)) === 0) {
      this.report(out, 'schema-type', `expected ${schema.typeNames}, got ${describe(value)}`)
      return false
    }
    const allowed = schema.enumValues
    if (allowed !== undefined && !isOneOf(allowed, value)) {
      this.report(
        out,
        'schema-enum',
        `must be one of ${allowed.map((entry) => JSON.stringify(entry)).join(', ')}`,
      )
    }
    if (typeof value === 'string') this.checkString(schema, value, out)
    else if (typeof value === 'number') {
      if (schema.numberChecks) this.checkNumber(schema.source, value, out)
    } else if (Array.isArray(value)) this.checkArray(schema, value, out, depth)
    else if (value !== null && typeof value === 'object') {
      this.checkObject(schema, value as Record<string, unknown>, out, depth)
    }
    if (schema.allOf !== undefined) {
      for (const part of schema.allOf) this.check(this.node(part), value, out, depth + 1)
    }
    if (schema.anyOf !== undefined) this.checkAlternatives(schema.anyOf, false, value, out, depth)
    if (schema.oneOf !== undefined) this.checkAlternatives(schema.oneOf, true, value, out, depth)
    if (schema.not !== undefined && this.check(this.node(schema.not), value, [], depth + 1)) {
      this.report(out, 'schema-not', 'matches a form that is not allowed')
    }
    return out.length === before
  }

  private checkAlternatives(
    options: JsonSchema[],
    exactlyOne: boolean,
    value: unknown,
    out: SchemaViolation[],
    depth: number,
  ) {
    let passing = 0
    for (const option of options) if (this.check(this.node(option), value, [], depth + 1)) passing++
    if (passing === 0 || (exactlyOne && passing > 1)) {
      this.report(
        out,
        exactlyOne ? 'schema-oneof' : 'schema-anyof',
        passing === 0
          ? `matches none of the ${options.length} allowed forms`
          : `matches ${passing} of the allowed forms, exactly one is allowed`,
      )
    }
  }

  private checkString(schema: SchemaNode, value: string, out: SchemaViolation[]) {
    const source = schema.pattern
    if (source !== undefined) {
      if (schema.compiledPattern === undefined) schema.compiledPattern = this.pattern(source)
      const pattern = schema.compiledPattern
      if (pattern && !pattern.test(value)) {
        const quantity = source.includes('Ki|Mi|Gi')
        this.report(
          out,
          quantity ? 'schema-quantity' : 'schema-pattern',
          quantity
            ? `'${value}' is not a Kubernetes quantity (e.g. 500m, 1Gi, 2)`
            : `'${value}' does not match ${source}`,
        )
      }
    }
    const { maxLength, minLength } = schema
    if (maxLength === undefined && minLength === undefined) return
    const length = codePoints(value)
    if (maxLength !== undefined && length > maxLength) {
      this.report(out, 'schema-length', `longer than ${maxLength} characters`)
    }
    if (minLength !== undefined && length < minLength) {
      this.report(out, 'schema-length', `shorter than ${minLength} characters`)
    }
  }

  private checkNumber(schema: JsonSchema, value: number, out: SchemaViolation[]) {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema
    const low =
      typeof minimum === 'number' &&
      (exclusiveMinimum === true ? value <= minimum : value < minimum)
    const high =
      typeof maximum === 'number' &&
      (exclusiveMaximum === true ? value >= maximum : value > maximum)
    if (low) this.report(out, 'schema-range', `must be at least ${minimum}`)
    if (high) this.report(out, 'schema-range', `must be at most ${maximum}`)
    if (
      typeof schema.multipleOf === 'number' &&
      schema.multipleOf > 0 &&
      value % schema.multipleOf !== 0
    ) {
      this.report(out, 'schema-range', `must be a multiple of ${schema.multipleOf}`)
    }
  }

  private checkArray(schema: SchemaNode, value: unknown[], out: SchemaViolation[], depth: number) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      this.report(out, 'schema-items', `more than ${schema.maxItems} items`)
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      this.report(out, 'schema-items', `fewer than ${schema.minItems} items`)
    }
    if (schema.items === undefined) return
    const items = this.node(schema.items)
    const segments = this.segments
    for (let index = 0; index < value.length; index++) {
      segments.push(index)
      this.check(items, value[index], out, depth + 1)
      segments.pop()
    }
  }

  private checkObject(
    schema: SchemaNode,
    value: Record<string, unknown>,
    out: SchemaViolation[],
    depth: number,
  ) {
    const { properties, additional, closed } = schema
    if (schema.required !== undefined) {
      for (const field of schema.required) {
        if (value[field] === undefined) {
          out.push({
            rule: 'schema-required',
            message: `missing required field '${field}'`,
            path: this.path(field),
            anchor: 'key',
          })
        }
      }
    }
    const segments = this.segments
    for (const key in value) {
      const child = value[key]
      if (child === undefined) continue
      let property = schema.propertyNodes.get(key)
      if (property === undefined) {
        const declared = properties?.[key]
        if (declared) {
          property = this.node(declared)
          // Inherited names (`constructor`) are looked up every time, as the plain object does.
          if (Object.hasOwn(properties as object, key)) schema.propertyNodes.set(key, property)
        }
      }
      if (property !== undefined) {
        segments.push(key)
        this.check(property, child, out, depth + 1)
        segments.pop()
      } else if (additional !== undefined) {
        segments.push(key)
        this.check(this.node(additional), child, out, depth + 1)
        segments.pop()
      } else if (
        closed &&
        !(schema.embedded && (key === 'apiVersion' || key === 'kind' || key === 'metadata'))
      ) {
        out.push({
          rule: 'schema-unknown-field',
          message: `unknown field '${key}'`,
          path: this.path(key),
          anchor: 'key',
        })
      }
    }
  }
}

/** Strict equality, as `enum` compares (NaN matches nothing). */
function isOneOf(allowed: unknown[], value: unknown): boolean {
  for (const entry of allowed) if (entry === value) return true
  return false
}

/** JSON Schema lengths count code points, not UTF-16 units. */
function codePoints(value: string): number {
  let count = value.length
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index)
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < value.length) {
      const next = value.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--
        index++
      }
    }
  }
  return count
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
