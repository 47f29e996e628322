// Writes actions/lib/manifests/schemas/prometheus-operator.json: the schemas of the
// prometheus-operator CRDs in data/prometheus-operator (ServiceMonitor, PrometheusRule), which
// golden-path validate knows without --crd because the baseline manifests ship those kinds.
//
//   node scripts/generate-crd-schemas.mjs [--check]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

const root = new URL('..', import.meta.url).pathname
const source = 'data/prometheus-operator'
const target = join(root, 'actions/lib/manifests/schemas/prometheus-operator.json')

const schemas = []
for (const file of readdirSync(join(root, source))
  .filter((name) => name.endsWith('.yaml'))
  .sort()) {
  const crd = parse(readFileSync(join(root, source, file), 'utf8'))
  for (const version of crd.spec.versions) {
    if (!version.served || !version.schema?.openAPIV3Schema) continue
    schemas.push({
      apiVersion: `${crd.spec.group}/${version.name}`,
      kind: crd.spec.names.kind,
      schema: version.schema.openAPIV3Schema,
      source: `${source}/${file}`,
    })
  }
}
const text = `${JSON.stringify(schemas)}\n`
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error(`${target} is stale: run node scripts/generate-crd-schemas.mjs`)
    process.exit(1)
  }
} else {
  writeFileSync(target, text)
  console.log(`wrote ${schemas.map((schema) => `${schema.apiVersion} ${schema.kind}`).join(', ')}`)
}
