import { describe, expect, it } from 'vitest'
import { validateText } from './validate-harness'

const deployment = (container: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:${extra}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: registry.example/web:1.0.0
${container}`

describe('schema validation', () => {
  it.each([
    [
      'an IntOrString port given as a name',
      '          livenessProbe: {httpGet: {path: /, port: http}}\n',
      true,
    ],
    [
      'an IntOrString port given as a number',
      '          livenessProbe: {httpGet: {path: /, port: 8080}}\n',
      true,
    ],
    [
      'an IntOrString port given as a boolean',
      '          livenessProbe: {httpGet: {path: /, port: true}}\n',
      false,
    ],
    [
      'quantities as strings and numbers',
      '          resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 2, memory: "1.5e9"}}\n',
      true,
    ],
    ['a fractional CPU quantity', '          resources: {requests: {cpu: 0.5}}\n', true],
    ['a malformed quantity', '          resources: {limits: {memory: 1Gb}}\n', false],
    [
      'an explicit null for an optional field',
      '          imagePullPolicy: null\n          command: ~\n',
      true,
    ],
    ['an unknown container field', '          imagePullPolicyy: Always\n', false],
    ['a string where an integer belongs', '          ports: [{containerPort: "8080"}]\n', false],
  ])('%s', async (_label, container, valid) => {
    const report = await validateText(deployment(container))
    expect(report.resources).toHaveLength(1)
    expect(report.resources[0].status).toBe(valid ? 'valid' : 'invalid')
  })

  it('positions a type error on the offending value, counting lines from the file start', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: first}
data: {a: b}
---
${deployment('          ports:\n            - containerPort: "8080"\n')}`
    const report = await validateText(text)
    const finding = report.resources[1].findings[0]
    expect(finding).toMatchObject({
      rule: 'schema-type',
      path: '/spec/template/spec/containers/0/ports/0/containerPort',
      file: '-',
      line: 21,
      column: 30,
    })
    expect(report.resources[1]).toMatchObject({
      line: 6,
      column: 1,
      kind: 'Deployment',
      name: 'web',
    })
  })

  it('points a missing required field at its nearest existing parent', async () => {
    const report = await validateText(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template: {}\n',
    )
    expect(report.resources[0].findings).toEqual([
      expect.objectContaining({
        rule: 'schema-required',
        path: '/spec/selector',
        line: 4,
        column: 1,
      }),
    ])
  })

  it('treats an explicit null for a required field as missing', async () => {
    const report = await validateText(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: null\n  template: {}\n',
    )
    expect(report.resources[0].findings.map((finding) => finding.path)).toEqual(['/spec/selector'])
  })

  it('reports unknown fields at the key in strict mode and accepts them with --no-strict', async () => {
    const text =
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n  clusterIPP: None\n'
    const strict = await validateText(text)
    expect(strict.resources[0].findings).toEqual([
      expect.objectContaining({
        rule: 'schema-unknown-field',
        path: '/spec/clusterIPP',
        line: 6,
        column: 3,
      }),
    ])
    const lenient = await validateText(text, { strict: false })
    expect(lenient.resources[0].status).toBe('valid')
  })

  it('reports every duplicate key in strict mode and still validates the rest of the document', async () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "1"\n  a: "2"\n  b: 3\n  b: "4"\nbogus: 1\n'
    const strict = await validateText(text)
    const rules = strict.resources[0].findings.map((finding) => [finding.rule, finding.line])
    expect(rules).toEqual([
      ['duplicate-key', 6],
      ['duplicate-key', 8],
      ['schema-unknown-field', 9],
    ])
    const lenient = await validateText(text, { strict: false })
    expect(lenient.resources[0].status).toBe('valid')
  })

  it('validates each item of a List and skips empty documents', async () => {
    const text = `---
# nothing here
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: one}
    data: {a: "1"}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: two}
    data: {a: 2}
---
`
    const report = await validateText(text)
    expect(
      report.resources.map((resource) => [resource.name, resource.status, resource.line]),
    ).toEqual([
      ['one', 'valid', 7],
      ['two', 'invalid', 11],
    ])
    expect(report.resources[1].findings[0]).toMatchObject({ path: '/data/a', line: 14, column: 15 })
    expect(report.summary).toEqual({ resources: 2, valid: 1, invalid: 1, errors: 0, skipped: 0 })
  })

  it('reports a syntax error with its position and still validates the other documents', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: before}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
   labels: {}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: after}
data: {count: 1}
`
    const report = await validateText(text)
    expect(report.resources.map((resource) => resource.status)).toEqual([
      'valid',
      'error',
      'invalid',
    ])
    expect(report.resources[1].findings[0]).toMatchObject({ rule: 'yaml-syntax', line: 9 })
    expect(report.resources[2].findings[0]).toMatchObject({ path: '/data/count', line: 14 })
  })

  it('places an error at the end of a document on its last line', async () => {
    const report = await validateText(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n',
    )
    expect(report.resources[0].findings[0]).toMatchObject({ rule: 'yaml-syntax', line: 3 })
    expect(report.resources[1].status).toBe('valid')
  })

  it('validates against the requested Kubernetes version', async () => {
    // flowcontrol v1beta3 was served until 1.31 and is absent from every bundled version.
    const text =
      'apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\n'
    const report = await validateText(text, { kubernetesVersion: '1.33' })
    expect(report.resources[0]).toMatchObject({ status: 'error' })
    expect(report.resources[0].findings[0].rule).toBe('missing-schema')
    const skipped = await validateText(text, { ignoreMissingSchemas: true })
    expect(skipped.resources[0].status).toBe('skipped')
  })

  it('skips the kinds named with --skip', async () => {
    const report = await validateText(
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nbogus: 1\n',
      {
        skip: ['Secret'],
      },
    )
    expect(report.resources[0].status).toBe('skipped')
    expect(report.passed).toBe(true)
  })
})
