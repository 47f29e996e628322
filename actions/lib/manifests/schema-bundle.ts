import { UsageError } from '../errors'

/** A compact schema bundle written by scripts/generate-schemas.mjs from the upstream OpenAPI spec. */
export interface SchemaBundle {
  kubernetesVersion: string
  source: string
  /** apiVersion → kind → definition name. */
  kinds: Record<string, Record<string, string>>
  /** Definitions with references written as bare definition names. */
  definitions: Record<string, JsonSchema>
}

export type JsonSchema = { [keyword: string]: unknown }

export const kubernetesVersions = ['1.33', '1.34', '1.35', '1.36'] as const
export type KubernetesVersion = (typeof kubernetesVersions)[number]
export const defaultKubernetesVersion: KubernetesVersion = '1.35'

/** Accepts `1.35`, `v1.35` and patch versions such as `1.35.2`. */
export function parseKubernetesVersion(
  value: string,
  label = '--kubernetes-version',
): KubernetesVersion {
  const match = /^v?(\d+\.\d+)(?:\.\d+)?$/.exec(value.trim())
  const minor = match?.[1]
  if (minor && (kubernetesVersions as readonly string[]).includes(minor)) {
    return minor as KubernetesVersion
  }
  throw new UsageError(
    `invalid ${label} '${value}': expected one of ${kubernetesVersions.join(', ')}`,
  )
}

/**
 * Loads one version's bundle. The import is dynamic so that the bundler emits one chunk per
 * version and a run reads only the version it validates against.
 */
export async function loadSchemaBundle(version: KubernetesVersion): Promise<SchemaBundle> {
  const module = await import(`./schemas/kubernetes-${version}.json`)
  return (module.default ?? module) as SchemaBundle
}
