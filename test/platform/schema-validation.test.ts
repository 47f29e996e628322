import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateManifests } from '../../actions/lib/manifests/validate'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import { environments, overlayDir, repoRoot } from './kube-objects'

// golden-path's own validator, as `golden-path validate --kustomize DIR --crd data/argocd/crds
// --crd data/prometheus-operator` runs it: Kubernetes 1.35 schemas in strict mode, the Argo CD
// and prometheus-operator CRDs, the golden-path policy pack.
async function validate(input: { paths?: string[]; kustomize?: string[] }) {
  return validateManifests(
    {
      paths: input.paths ?? [],
      cwd: repoRoot,
      kubernetesVersion: '1.35',
      strict: true,
      crds: [
        join(repoRoot, 'data', 'argocd', 'crds'),
        join(repoRoot, 'data', 'prometheus-operator'),
      ],
      kustomize: input.kustomize ?? [],
      policy: 'golden-path',
      failOn: 'warning',
      ignoreMissingSchemas: false,
      skip: [],
    },
    { logger: nullLogger, runner: spawnRunner },
  )
}

function findingsOf(report: Awaited<ReturnType<typeof validate>>): string[] {
  return report.resources.flatMap((resource) =>
    resource.findings.map(
      (finding) =>
        `${resource.kind}/${resource.name} ${finding.rule} ${finding.path}: ${finding.message}`,
    ),
  )
}

describe('golden-path validate: Kubernetes 1.35 schemas, Argo CD and prometheus-operator CRDs and the policy pack', () => {
  it.each(environments)('finds nothing in the rendered %s overlay', async (environment) => {
    const report = await validate({ kustomize: [overlayDir(environment)] })
    expect(report.inputErrors).toBe(0)
    expect(findingsOf(report)).toEqual([])
    expect(report.resources.map((resource) => resource.status)).toEqual(Array(9).fill('valid'))
    expect(report.passed).toBe(true)
  })

  it('finds nothing in argocd/, checked against the Application and AppProject CRDs', async () => {
    const report = await validate({ paths: [join(repoRoot, 'argocd')] })
    expect(report.inputErrors).toBe(0)
    expect(findingsOf(report)).toEqual([])
    expect(
      report.resources.map((resource) => `${resource.kind}/${resource.status}`).sort(),
    ).toEqual([
      'AppProject/valid',
      'Application/valid',
      'Application/valid',
      'Application/valid',
      'Application/valid',
      'Application/valid',
    ])
  })
})

describe('golden-path validate catches what these manifests must never contain', () => {
  it('reports an unknown field, a latest image and a missing memory limit in a broken copy of an overlay', async () => {
    const work = mkdtempSync(join(tmpdir(), 'golden-path-platform-'))
    try {
      cpSync(join(repoRoot, 'manifests'), join(work, 'manifests'), { recursive: true })
      const deployment = join(work, 'manifests', 'base', 'deployment.yaml')
      writeFileSync(
        deployment,
        readFileSync(deployment, 'utf8')
          .replace('maxUnavailable: 0', 'maxUnavailable: 0\n      maxUnavailabel: 1')
          .replace(/\n\s+limits:\n\s+memory: \S+/, ''),
      )
      const kustomization = join(work, 'manifests', 'overlays', 'dev', 'kustomization.yaml')
      writeFileSync(
        kustomization,
        readFileSync(kustomization, 'utf8').replace('newTag: "0.1.0"', 'newTag: latest'),
      )
      const devPatch = join(work, 'manifests', 'overlays', 'dev', 'deployment-resources.yaml')
      writeFileSync(
        devPatch,
        readFileSync(devPatch, 'utf8').replace(/\n\s+limits:\n\s+memory: \S+/, ''),
      )
      const report = await validate({ kustomize: [join(work, 'manifests', 'overlays', 'dev')] })
      const findings = findingsOf(report).join('\n')
      expect(findings).toMatch(/maxUnavailabel/)
      expect(findings).toMatch(/latest/)
      expect(findings).toMatch(/limit/i)
      expect(report.passed).toBe(false)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
