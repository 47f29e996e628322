import { describe, expect, it } from 'vitest'
import { validate } from './validate-harness'

// The repository's own GitOps manifests are what product teams copy: they must pass the pack.
describe("this repository's manifests", () => {
  it.each(['dev', 'stage', 'prod'])(
    'overlay %s renders to valid, policy-clean resources',
    async (overlay) => {
      const report = await validate({
        kustomize: [`manifests/overlays/${overlay}`],
        crds: ['data/prometheus-operator'],
        policy: 'golden-path',
      })
      expect(report.resources.length).toBeGreaterThan(3)
      expect(report.resources.filter((resource) => resource.findings.length > 0)).toEqual([])
    },
  )

  it('Argo CD Applications and AppProject validate against the Argo CD CRDs', async () => {
    const report = await validate({
      paths: ['argocd'],
      crds: ['data/argocd/crds'],
      policy: 'golden-path',
    })
    expect(report.resources.map((resource) => resource.kind).sort()).toEqual(
      expect.arrayContaining(['AppProject', 'Application']),
    )
    expect(report.resources.filter((resource) => resource.status !== 'valid')).toEqual([])
  })
})
