import { UsageError } from '../errors'
import type { JsonSchema } from './schema-bundle'

/** The schema of one served version of a CustomResourceDefinition. */
export interface CustomResourceSchema {
  apiVersion: string
  kind: string
  schema: JsonSchema
  /** Where the CRD came from, for messages. */
  source: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * The per-version schemas of a CustomResourceDefinition document (apiextensions.k8s.io/v1):
 * `spec.versions[].schema.openAPIV3Schema`, with the legacy v1beta1 top-level
 * `spec.validation.openAPIV3Schema` as a fallback. Not a CRD: an empty list.
 */
export function customResourceSchemas(document: unknown, source: string): CustomResourceSchema[] {
  if (!isRecord(document) || document.kind !== 'CustomResourceDefinition') return []
  const spec = document.spec
  if (!isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names)) {
    throw new UsageError(`${source}: CustomResourceDefinition has no spec.group or spec.names`)
  }
  const kind = spec.names.kind
  if (typeof kind !== 'string') {
    throw new UsageError(`${source}: CustomResourceDefinition has no spec.names.kind`)
  }
  const shared = isRecord(spec.validation) ? spec.validation.openAPIV3Schema : undefined
  const versions = Array.isArray(spec.versions) ? spec.versions : []
  const schemas: CustomResourceSchema[] = []
  for (const version of versions) {
    if (!isRecord(version) || typeof version.name !== 'string') continue
    const own = isRecord(version.schema) ? version.schema.openAPIV3Schema : undefined
    const schema = own ?? shared
    if (!isRecord(schema)) continue
    schemas.push({ apiVersion: `${spec.group}/${version.name}`, kind, schema, source })
  }
  return schemas
}
