import { describe, expect, it } from 'vitest'
import { validateText } from './validate-harness'

const crds = ['data/argocd/crds']

const application = (spec: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-dev
  namespace: argocd
spec:
${spec}`

const validSpec = `  project: golden-path
  source:
    repoURL: https://github.com/example-org/golden-path.git
    targetRevision: main
    path: manifests/overlays/dev
  destination:
    server: https://kubernetes.default.svc
    namespace: web-dev
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
`

describe('custom resources validated against CRD manifests', () => {
  it('accepts an Argo CD Application that matches the CRD', async () => {
    const report = await validateText(application(validSpec), { crds })
    expect(report.resources[0]).toMatchObject({
      kind: 'Application',
      status: 'valid',
      findings: [],
    })
  })

  it('accepts an Argo CD AppProject that matches the CRD', async () => {
    const report = await validateText(
      `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: golden-path, namespace: argocd}
spec:
  sourceRepos: [https://github.com/example-org/golden-path.git]
  destinations:
    - {server: https://kubernetes.default.svc, namespace: 'web-*'}
  clusterResourceWhitelist: []
`,
      { crds },
    )
    expect(report.resources[0].status).toBe('valid')
  })

  it('positions unknown fields, type errors and missing required fields of a custom resource', async () => {
    const report = await validateText(
      application(`  project: golden-path
  source:
    repoURL: https://github.com/example-org/golden-path.git
    targetRevision: 3
    pathh: manifests/overlays/dev
  syncPolicy:
    automated: {prune: "yes"}
`),
      { crds },
    )
    const findings = report.resources[0].findings.map((finding) => [
      finding.rule,
      finding.path,
      finding.line,
    ])
    expect(findings).toEqual(
      expect.arrayContaining([
        ['schema-required', '/spec/destination', 6],
        ['schema-type', '/spec/source/targetRevision', 10],
        ['schema-unknown-field', '/spec/source/pathh', 11],
        ['schema-type', '/spec/syncPolicy/automated/prune', 13],
      ]),
    )
    expect(findings).toHaveLength(4)
  })

  it('validates metadata of a custom resource as ObjectMeta', async () => {
    const report = await validateText(
      application(validSpec).replace(
        '  namespace: argocd\n',
        '  namespace: argocd\n  labelz: {}\n',
      ),
      { crds },
    )
    expect(report.resources[0].findings).toEqual([
      expect.objectContaining({
        rule: 'schema-unknown-field',
        path: '/metadata/labelz',
        line: 6,
        column: 3,
      }),
    ])
  })

  it('accepts any fields under x-kubernetes-preserve-unknown-fields', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.org}
spec:
  group: example.org
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {x-kubernetes-int-or-string: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
`
    const { workspace } = await import('./validate-harness')
    const { dir, cleanup } = workspace({ 'crd.yaml': crd })
    try {
      const text = (spec: string) =>
        `apiVersion: example.org/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n${spec}`
      const ok = await validateText(
        text('  size: 10%\n  extra: {anything: [1, 2], goes: {deep: true}}\n'),
        { crds: [`${dir}/crd.yaml`] },
      )
      expect(ok.resources[0].status).toBe('valid')
      const bad = await validateText(text('  size: [1]\n  other: 1\n'), {
        crds: [`${dir}/crd.yaml`],
      })
      expect(bad.resources[0].findings.map((finding) => finding.rule)).toEqual([
        'schema-type',
        'schema-unknown-field',
      ])
    } finally {
      cleanup()
    }
  })

  it('fails on a custom resource without a CRD unless missing schemas are ignored', async () => {
    const missing = await validateText(application(validSpec))
    expect(missing.resources[0]).toMatchObject({ status: 'error' })
    expect(missing.resources[0].findings[0].message).toMatch(
      /no schema for argoproj.io\/v1alpha1 Application/,
    )
    const ignored = await validateText(application(validSpec), { ignoreMissingSchemas: true })
    expect(ignored.resources[0].status).toBe('skipped')
    expect(ignored.passed).toBe(true)
  })
})
