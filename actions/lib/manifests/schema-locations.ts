import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { oneLine } from '../errors'
import { redactUrls } from '../redaction'
import type { JsonSchema } from './schema-bundle'

/** Fetches a schema URL; a test hands in a server on loopback, the CLI the global fetch. */
export interface SchemaFetcher {
  get(url: string): Promise<{ status: number; body: string }>
}

export const fetchSchema: SchemaFetcher = {
  async get(url) {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) })
    return { status: response.status, body: await response.text() }
  },
}

export interface SchemaLocationOptions {
  /** kubeconform-style templates, tried in order. */
  templates: readonly string[]
  /** As given by the user (`1.35`, `1.35.2`), for {{.NormalizedKubernetesVersion}}. */
  kubernetesRelease: string
  strict: boolean
  cwd: string
  /** Downloaded schemas are kept here, keyed by URL. */
  cacheDir: string
  fetcher: SchemaFetcher
}

/**
 * Expands kubeconform's template variables for one apiVersion/kind. kubeconform's KindSuffix is
 * '-' + the first label of the group (when there is one) + '-' + the version, lower-cased.
 */
export function expandSchemaTemplate(
  template: string,
  apiVersion: string,
  kind: string,
  kubernetesRelease: string,
  strict: boolean,
): string {
  const [groupOrVersion, maybeVersion] = apiVersion.split('/')
  const group = maybeVersion ? groupOrVersion : ''
  const version = maybeVersion ?? groupOrVersion
  const suffix = group ? `-${group.split('.')[0]}-${version}` : `-${version}`
  const release = /^\d+\.\d+$/.test(kubernetesRelease)
    ? `${kubernetesRelease}.0`
    : kubernetesRelease
  const values: Record<string, string> = {
    NormalizedKubernetesVersion: `v${release.replace(/^v/, '')}`,
    ResourceKind: kind.toLowerCase(),
    ResourceAPIVersion: version,
    Group: group,
    KindSuffix: suffix.toLowerCase(),
    StrictSuffix: strict ? '-strict' : '',
  }
  return template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole)
}

export type LocatedSchema =
  | { found: true; schema: JsonSchema; source: string }
  | { found: false; reason: string }

/** The first template that yields a schema for the kind; downloads are cached on disk. */
export async function locateSchema(
  apiVersion: string,
  kind: string,
  options: SchemaLocationOptions,
): Promise<LocatedSchema> {
  const tried: string[] = []
  for (const template of options.templates) {
    const location = expandSchemaTemplate(
      template,
      apiVersion,
      kind,
      options.kubernetesRelease,
      options.strict,
    )
    // Messages show a location without the credentials a URL may carry.
    const shown = redactUrls(location)
    let text: string | undefined
    if (/^https?:\/\//.test(location)) {
      // Loaded here: most runs never download a schema and need no crypto at start-up.
      const { createHash } = process.getBuiltinModule('node:crypto')
      const cached = join(
        options.cacheDir,
        `${createHash('sha256').update(location).digest('hex')}.json`,
      )
      try {
        text = readFileSync(cached, 'utf8')
      } catch {
        let response: { status: number; body: string }
        try {
          response = await options.fetcher.get(location)
        } catch (error) {
          return { found: false, reason: `could not fetch ${shown}: ${oneLine(error)}` }
        }
        if (response.status === 404) {
          tried.push(shown)
          continue
        }
        if (response.status !== 200) {
          return { found: false, reason: `${shown} answered HTTP ${response.status}` }
        }
        text = response.body
        mkdirSync(options.cacheDir, { recursive: true })
        const temporary = `${cached}.${process.pid}.tmp`
        writeFileSync(temporary, text)
        renameSync(temporary, cached)
      }
    } else {
      try {
        text = readFileSync(
          isAbsolute(location) ? location : resolve(options.cwd, location),
          'utf8',
        )
      } catch {
        tried.push(shown)
        continue
      }
    }
    try {
      const schema = JSON.parse(text) as JsonSchema
      if (schema === null || typeof schema !== 'object') throw new Error('not a JSON object')
      return { found: true, schema, source: shown }
    } catch (error) {
      return { found: false, reason: `${shown} is not a JSON schema: ${oneLine(error)}` }
    }
  }
  return { found: false, reason: `no schema for ${apiVersion} ${kind} at ${tried.join(', ')}` }
}
