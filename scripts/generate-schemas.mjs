// Turns the upstream Kubernetes OpenAPI v2 specs in data/kubernetes/ into the compact
// schema bundles golden-path validates against (actions/lib/manifests/schemas/).
//
//   node scripts/generate-schemas.mjs                      write every bundle
//   node scripts/generate-schemas.mjs --check              exit 1 when a committed bundle is stale
//   node scripts/generate-schemas.mjs --standalone DIR [--kubernetes-version 1.35] [--strict]
//        write one self-contained JSON Schema per kind, named the way kubeconform's
//        '{{.ResourceKind}}{{.KindSuffix}}.json' template expects (benchmarks, cross-checks)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const root = new URL('..', import.meta.url).pathname
export const kubernetesVersions = ['1.33', '1.34', '1.35', '1.36']
const bundleDir = join(root, 'actions/lib/manifests/schemas')

const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'
const quantity = 'io.k8s.apimachinery.pkg.api.resource.Quantity'
// The API server's Quantity grammar (resource.ParseQuantity): a signed decimal number with
// an optional binary-SI, decimal-SI or exponent suffix. YAML may also give a plain number.
const quantityPattern =
  '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$'

// Keywords that matter for validation; descriptions and merge hints only cost bytes.
const kept = new Set([
  'type',
  'properties',
  'required',
  'items',
  'additionalProperties',
  '$ref',
  'enum',
])

function compact(schema) {
  if (Array.isArray(schema)) return schema.map(compact)
  if (schema === null || typeof schema !== 'object') return schema
  const out = {}
  for (const key of Object.keys(schema).sort()) {
    if (!kept.has(key)) continue
    const value = schema[key]
    if (key === 'properties') {
      out.properties = {}
      for (const name of Object.keys(value).sort()) out.properties[name] = compact(value[name])
    } else if (key === '$ref') {
      out.$ref = value.replace('#/definitions/', '')
    } else if (key === 'additionalProperties' && typeof value === 'object') {
      out.additionalProperties = compact(value)
    } else {
      out[key] = compact(value)
    }
  }
  return out
}

/** One bundle: every definition (compacted) and the apiVersion/kind → definition index. */
export function buildBundle(version) {
  const source = `data/kubernetes/swagger-v${version}.json`
  const spec = JSON.parse(readFileSync(join(root, source), 'utf8'))
  const definitions = {}
  const kinds = {}
  for (const name of Object.keys(spec.definitions).sort()) {
    const definition = spec.definitions[name]
    if (name === intOrString) definitions[name] = { type: ['integer', 'string'] }
    else if (name === quantity)
      definitions[name] = { type: ['string', 'number'], pattern: quantityPattern }
    else definitions[name] = compact(definition)
    const gvks = definition['x-kubernetes-group-version-kind'] ?? []
    // DeleteOptions, WatchEvent and friends list every group: they are not resources.
    if (gvks.length !== 1 || !definition.properties?.metadata) continue
    const { group, version: apiVersion, kind } = gvks[0]
    const key = `${group ? `${group}/` : ''}${apiVersion}`
    kinds[key] ??= {}
    kinds[key][kind] = name
  }
  const sortedKinds = {}
  for (const key of Object.keys(kinds).sort()) {
    sortedKinds[key] = {}
    for (const kind of Object.keys(kinds[key]).sort()) sortedKinds[key][kind] = kinds[key][kind]
  }
  return { kubernetesVersion: version, source, kinds: sortedKinds, definitions }
}

export function bundleText(version) {
  return `${JSON.stringify(buildBundle(version))}\n`
}

export function bundlePath(version) {
  return join(bundleDir, `kubernetes-${version}.json`)
}

/**
 * A self-contained JSON Schema (draft-07 `definitions`) for one kind, in the layout kubeconform
 * reads: strict adds `additionalProperties: false` to every object with declared properties.
 */
function standaloneSchema(bundle, definition, strict) {
  const definitions = {}
  const visit = (schema) => {
    if (Array.isArray(schema)) return schema.map(visit)
    if (schema === null || typeof schema !== 'object') return schema
    const out = {}
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref') {
        if (!(value in definitions)) {
          definitions[value] = null
          definitions[value] = visit(bundle.definitions[value])
        }
        out.$ref = `#/definitions/${value}`
      } else if (key === 'properties') {
        out.properties = {}
        for (const [name, property] of Object.entries(value)) out.properties[name] = visit(property)
      } else out[key] = visit(value)
    }
    if (strict && out.properties && out.additionalProperties === undefined) {
      out.additionalProperties = false
    }
    // kubeconform's published schemas accept an explicit null for any field, as the API server does.
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (Array.isArray(out.type)) out.type = [...out.type, 'null']
    return out
  }
  const top = visit(bundle.definitions[definition])
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...top, definitions }
}

function writeStandalone(dir, version, strict) {
  const bundle = buildBundle(version)
  mkdirSync(dir, { recursive: true })
  let count = 0
  for (const [apiVersion, kinds] of Object.entries(bundle.kinds)) {
    const [groupOrVersion, maybeVersion] = apiVersion.split('/')
    // kubeconform: KindSuffix is '-' + first label of the group + '-' + version, lowercase.
    const suffix = maybeVersion
      ? `-${groupOrVersion.split('.')[0]}-${maybeVersion}`
      : `-${groupOrVersion}`
    for (const [kind, definition] of Object.entries(kinds)) {
      const file = join(dir, `${kind.toLowerCase()}${suffix.toLowerCase()}.json`)
      writeFileSync(file, JSON.stringify(standaloneSchema(bundle, definition, strict)))
      count++
    }
  }
  return count
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      standalone: { type: 'string' },
      'kubernetes-version': { type: 'string', default: '1.35' },
      strict: { type: 'boolean', default: false },
    },
  })
  if (values.standalone) {
    const count = writeStandalone(values.standalone, values['kubernetes-version'], values.strict)
    console.log(`generate-schemas: wrote ${count} standalone schemas to ${values.standalone}`)
  } else {
    let stale = 0
    for (const version of kubernetesVersions) {
      const text = bundleText(version)
      const path = bundlePath(version)
      if (values.check) {
        let committed = ''
        try {
          committed = readFileSync(path, 'utf8')
        } catch {}
        if (committed !== text) {
          console.error(`generate-schemas: ${path} is stale; run 'npm run generate:schemas'`)
          stale++
        }
      } else {
        writeFileSync(path, text)
        console.log(`generate-schemas: ${path} (${text.length} bytes)`)
      }
    }
    process.exit(stale === 0 ? 0 : 1)
  }
}
