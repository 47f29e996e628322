import Ajv, { type ValidateFunction } from 'ajv'
import type { CustomResourceSchema } from './custom-resources'
import type { JsonSchema, SchemaBundle } from './schema-bundle'

const bundleId = 'kubernetes'

export type SchemaLookup =
  | { found: true; validate: ValidateFunction }
  | { found: false; reason: string }

/**
 * Compiles validators lazily, one per apiVersion/kind, the first time a resource of that kind
 * is seen: a run that validates Deployments and Services never compiles the other 170 kinds.
 */
export class SchemaRegistry {
  private readonly ajv: Ajv
  private readonly validators = new Map<string, ValidateFunction>()
  private readonly customResources = new Map<string, CustomResourceSchema>()

  constructor(
    private readonly bundle: SchemaBundle,
    private readonly strict: boolean,
    customResources: readonly CustomResourceSchema[] = [],
  ) {
    // Formats are not checked: the API server accepts int32/int64/date-time loosely and
    // kubeconform's checks of them differ between schema generators.
    this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
    const definitions: Record<string, JsonSchema> = {}
    for (const [name, schema] of Object.entries(bundle.definitions)) {
      definitions[name] = prepareBuiltIn(schema, strict)
    }
    this.ajv.addSchema({ $id: bundleId, definitions })
    for (const resource of customResources) {
      this.customResources.set(`${resource.apiVersion}|${resource.kind}`, resource)
    }
  }

  get kubernetesVersion(): string {
    return this.bundle.kubernetesVersion
  }

  lookup(apiVersion: string, kind: string): SchemaLookup {
    const key = `${apiVersion}|${kind}`
    const cached = this.validators.get(key)
    if (cached) return { found: true, validate: cached }
    const custom = this.customResources.get(key)
    let schema: JsonSchema
    if (custom) {
      schema = prepareCustom(custom.schema, this.strict, true)
    } else {
      const definition = this.bundle.kinds[apiVersion]?.[kind]
      if (!definition) {
        return {
          found: false,
          reason: `no schema for ${apiVersion} ${kind} in Kubernetes ${this.bundle.kubernetesVersion} or the given CRDs`,
        }
      }
      schema = { $ref: `${bundleId}#/definitions/${definition}` }
    }
    const validate = this.ajv.compile(schema)
    this.validators.set(key, validate)
    return { found: true, validate }
  }
}

/** Bundle definitions → Ajv: local references, and unknown fields rejected in strict mode. */
function prepareBuiltIn(schema: unknown, strict: boolean): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit)
    if (node === null || typeof node !== 'object') return node
    const out: JsonSchema = {}
    for (const [key, value] of Object.entries(node as JsonSchema)) {
      if (key === '$ref') out.$ref = `${bundleId}#/definitions/${value}`
      else if (key === 'properties') {
        const properties: JsonSchema = {}
        for (const [name, property] of Object.entries(value as JsonSchema)) {
          properties[name] = visit(property)
        }
        out.properties = properties
      } else out[key] = visit(value)
    }
    if (strict && out.properties && out.additionalProperties === undefined) {
      out.additionalProperties = false
    }
    return out
  }
  return visit(schema) as JsonSchema
}

/**
 * A CRD's openAPIV3Schema → Ajv. Structural-schema extensions become JSON Schema:
 * x-kubernetes-int-or-string allows both types, x-kubernetes-preserve-unknown-fields keeps
 * unknown fields, and the object root always knows apiVersion, kind and ObjectMeta.
 */
export function prepareCustom(schema: JsonSchema, strict: boolean, root: boolean): JsonSchema {
  const out: JsonSchema = {}
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true
  const embedded = schema['x-kubernetes-embedded-resource'] === true
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'properties':
      case 'patternProperties':
      case 'definitions': {
        const properties: JsonSchema = {}
        for (const [name, property] of Object.entries(value as Record<string, JsonSchema>)) {
          properties[name] = prepareCustom(property, strict, false)
        }
        out[key] = properties
        break
      }
      case 'items':
        out.items = Array.isArray(value)
          ? value.map((item) => prepareCustom(item as JsonSchema, strict, false))
          : prepareCustom(value as JsonSchema, strict, false)
        break
      case 'additionalProperties':
        out.additionalProperties =
          typeof value === 'object' && value !== null
            ? prepareCustom(value as JsonSchema, strict, false)
            : value
        break
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        // Structural schemas repeat constraints here without types; the types live outside.
        out[key] = (value as JsonSchema[]).map((item) => prepareCustom(item, false, false))
        break
      case 'not':
        out.not = prepareCustom(value as JsonSchema, false, false)
        break
      case 'type':
        if (schema['x-kubernetes-int-or-string'] !== true) out.type = value
        break
      case 'nullable':
      case 'description':
      case 'example':
      case 'externalDocs':
        break
      default:
        if (!key.startsWith('x-kubernetes-')) out[key] = value
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string']
  if (root || embedded) {
    const properties = { ...((out.properties as JsonSchema | undefined) ?? {}) }
    properties.apiVersion ??= { type: 'string' }
    properties.kind ??= { type: 'string' }
    properties.metadata = {
      $ref: `${bundleId}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`,
    }
    out.properties = properties
    out.type ??= 'object'
  }
  if (strict && !preserve && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false
  }
  return out
}
