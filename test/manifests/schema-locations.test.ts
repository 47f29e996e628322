import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { expandSchemaTemplate } from '../../actions/lib/manifests/schema-locations'
import { validateText, workspace } from './validate-harness'

const template =
  '{{.NormalizedKubernetesVersion}}{{.StrictSuffix}}/{{.Group}}/{{.ResourceAPIVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json'

describe('schema locations', () => {
  it.each([
    ['apps/v1', 'Deployment', '1.35', true, 'v1.35.0-strict/apps/v1/deployment-apps-v1.json'],
    ['v1', 'Service', '1.35.2', false, 'v1.35.2//v1/service-v1.json'],
    [
      'networking.k8s.io/v1',
      'Ingress',
      'v1.34.1',
      false,
      'v1.34.1/networking.k8s.io/v1/ingress-networking-v1.json',
    ],
    [
      'example.org/v1beta1',
      'Widget',
      '1.36',
      false,
      'v1.36.0/example.org/v1beta1/widget-example-v1beta1.json',
    ],
  ])(
    'expands %s %s with kubeconform template variables',
    (apiVersion, kind, release, strict, expected) => {
      expect(expandSchemaTemplate(template, apiVersion, kind, release, strict as boolean)).toBe(
        expected,
      )
    },
  )

  const widgetSchema = JSON.stringify({
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { $ref: '#/definitions/spec' },
    },
    definitions: { spec: { type: 'object', properties: { size: { type: ['integer', 'null'] } } } },
  })
  const widget = (size: string) =>
    `apiVersion: example.org/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: ${size}\n`

  it('validates a kind the bundle lacks against a local standalone schema', async () => {
    const { dir, cleanup } = workspace({ 'schemas/widget-example-v1.json': widgetSchema })
    try {
      const schemaLocations = [`${dir}/schemas/{{.ResourceKind}}{{.KindSuffix}}.json`]
      expect((await validateText(widget('3'), { schemaLocations })).resources[0].status).toBe(
        'valid',
      )
      const bad = await validateText(widget('big'), { schemaLocations })
      expect(bad.resources[0].findings).toEqual([
        expect.objectContaining({ rule: 'schema-type', path: '/spec/size', line: 5, column: 9 }),
      ])
      const other = await validateText(
        'apiVersion: example.org/v1\nkind: Gadget\nmetadata: {name: g}\n',
        { schemaLocations },
      )
      expect(other.resources[0].findings[0].message).toContain(
        `no schema for example.org/v1 Gadget at ${dir}/schemas/gadget-example-v1.json`,
      )
    } finally {
      cleanup()
    }
  })

  it('downloads a schema over HTTP once and reads it from the cache afterwards', async () => {
    const { dir, cleanup } = workspace()
    const requests: string[] = []
    const server = createServer((request, response) => {
      requests.push(request.url ?? '')
      if (request.url === '/widget-example-v1.json') response.writeHead(200).end(widgetSchema)
      else response.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const options = {
        schemaLocations: [`http://127.0.0.1:${port}/{{.ResourceKind}}{{.KindSuffix}}.json`],
        schemaCacheDir: `${dir}/cache`,
      }
      expect((await validateText(widget('3'), options)).resources[0].status).toBe('valid')
      await new Promise((resolve) => server.close(resolve))
      const again = await validateText(widget('big'), options)
      expect(again.resources[0].findings.map((finding) => finding.rule)).toEqual(['schema-type'])
      expect(requests).toEqual(['/widget-example-v1.json'])
    } finally {
      server.close()
      cleanup()
    }
  })
})
