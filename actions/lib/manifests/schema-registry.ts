import type { CustomResourceSchema } from './custom-resources'
import type { JsonSchema, SchemaBundle } from './schema-bundle'
import {
  SchemaValidator,
  type SchemaViolation,
  type SchemaValidator as Validator,
} from './schema-validator'

const objectMeta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'

export type SchemaLookup =
  | { found: true; validate: (resource: unknown) => SchemaViolation[] }
  | { found: false; reason: string }

/**
 * Finds the schema of an apiVersion/kind: a CRD given with --crd first (a cluster's CRD can
 * shadow nothing built in, but an explicit file is what the user asked for), then the bundle.
 */
export class SchemaRegistry {
  private readonly validator: Validator
  private readonly customResources = new Map<string, JsonSchema>()
  private readonly located = new Map<string, (resource: unknown) => SchemaViolation[]>()
  /** Lookups by apiVersion, then kind: inputs repeat a few kinds thousands of times. */
  private readonly lookups = new Map<string, Map<string, SchemaLookup>>()
  private readonly strict: boolean

  constructor(
    private readonly bundle: SchemaBundle,
    strict: boolean,
    customResources: readonly CustomResourceSchema[] = [],
  ) {
    this.strict = strict
    this.validator = new SchemaValidator(bundle.definitions, strict)
    for (const resource of customResources) {
      this.customResources.set(
        `${resource.apiVersion}|${resource.kind}`,
        customRoot(resource.schema),
      )
    }
  }

  get kubernetesVersion(): string {
    return this.bundle.kubernetesVersion
  }

  /** A standalone JSON Schema found through a schema location, with its own definitions. */
  addLocated(apiVersion: string, kind: string, schema: JsonSchema): void {
    const definitions = (schema.definitions as Record<string, JsonSchema> | undefined) ?? {}
    const validator = new SchemaValidator(definitions, this.strict)
    this.located.set(`${apiVersion}|${kind}`, (resource) => validator.validate(schema, resource))
    this.lookups.get(apiVersion)?.delete(kind)
  }

  lookup(apiVersion: string, kind: string): SchemaLookup {
    let kinds = this.lookups.get(apiVersion)
    if (!kinds) {
      kinds = new Map()
      this.lookups.set(apiVersion, kinds)
    }
    let lookup = kinds.get(kind)
    if (!lookup) {
      lookup = this.find(apiVersion, kind)
      kinds.set(kind, lookup)
    }
    return lookup
  }

  private find(apiVersion: string, kind: string): SchemaLookup {
    const located = this.located.get(`${apiVersion}|${kind}`)
    if (located) return { found: true, validate: located }
    const custom = this.customResources.get(`${apiVersion}|${kind}`)
    const definition = this.bundle.kinds[apiVersion]?.[kind]
    const schema: JsonSchema | undefined = custom ?? (definition ? { $ref: definition } : undefined)
    if (!schema) {
      return {
        found: false,
        reason: `no schema for ${apiVersion} ${kind} in Kubernetes ${this.bundle.kubernetesVersion} or the given CRDs`,
      }
    }
    return { found: true, validate: (resource) => this.validator.validate(schema, resource) }
  }
}

/** A CRD's root schema always knows apiVersion, kind and ObjectMeta, whatever it declares. */
function customRoot(schema: JsonSchema): JsonSchema {
  const properties = { ...((schema.properties as JsonSchema | undefined) ?? {}) }
  properties.apiVersion ??= { type: 'string' }
  properties.kind ??= { type: 'string' }
  properties.metadata = { $ref: objectMeta }
  return { ...schema, type: 'object', properties }
}
