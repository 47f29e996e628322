import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { validateManifests } from '../../actions/lib/manifests/validate'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import { repoRoot } from './kube-objects'

// The cluster's half of the supply-chain rule, checked against Kyverno's own ClusterPolicy CRD
// (data/kyverno) the way `golden-path validate --crd data/kyverno` checks it.
async function validate(paths: string[], kustomize: string[] = []) {
  return validateManifests(
    {
      paths,
      cwd: repoRoot,
      kubernetesVersion: '1.35',
      strict: true,
      crds: [join(repoRoot, 'data', 'kyverno'), join(repoRoot, 'data', 'argocd', 'crds')],
      kustomize,
      policy: 'golden-path',
      failOn: 'warning',
      ignoreMissingSchemas: false,
      skip: [],
    },
    { logger: nullLogger, runner: spawnRunner },
  )
}

const findings = (report: Awaited<ReturnType<typeof validate>>) =>
  report.resources.flatMap((resource) =>
    resource.findings.map(
      (finding) => `${resource.kind}/${resource.name} ${finding.path}: ${finding.message}`,
    ),
  )

describe('the platform layer: Kyverno verifyImages', () => {
  it('renders to a ClusterPolicy valid against Kyverno CRD schema', async () => {
    const report = await validate([], [join(repoRoot, 'manifests', 'platform')])
    expect(report.inputErrors).toBe(0)
    expect(findings(report)).toEqual([])
    expect(report.resources.map((resource) => `${resource.kind}/${resource.status}`)).toEqual([
      'ClusterPolicy/valid',
    ])
  })

  it('documents a key-based variant that is valid too', async () => {
    const report = await validate([join(repoRoot, 'manifests', 'platform', 'variants')])
    expect(findings(report)).toEqual([])
    expect(report.resources.map((resource) => `${resource.kind}/${resource.status}`)).toEqual([
      'ClusterPolicy/valid',
    ])
  })

  it('admits only images signed keylessly by deliver.yml with SLSA provenance', () => {
    const [policy] = parseAllDocuments(
      readFileSync(join(repoRoot, 'manifests/platform/verify-images.yaml'), 'utf8'),
    ).map((document) => document.toJS())
    const rule = policy.spec.rules[0].verifyImages[0]
    expect(rule).toMatchObject({
      type: 'SigstoreBundle',
      failureAction: 'Enforce',
      required: true,
      verifyDigest: true,
    })
    const keyless = rule.attestors[0].entries[0].keyless
    expect(keyless.issuer).toBe('https://token.actions.githubusercontent.com')
    const subject = new RegExp(keyless.subjectRegExp)
    expect(
      subject.test(
        'https://github.com/example-org/golden-path/.github/workflows/deliver.yml@refs/tags/v1',
      ),
    ).toBe(true)
    expect(
      subject.test(
        'https://github.com/example-org/golden-path/.github/workflows/other.yml@refs/tags/v1',
      ),
    ).toBe(false)
    expect(
      subject.test(
        'https://github.com/attacker/golden-path/.github/workflows/deliver.yml@refs/tags/v1',
      ),
    ).toBe(false)
    expect(rule.attestations.map((attestation: { type: string }) => attestation.type)).toEqual([
      'https://slsa.dev/provenance/v1',
    ])
  })

  it('is synced by the platform Application from argocd/', () => {
    const [app] = parseAllDocuments(
      readFileSync(join(repoRoot, 'argocd/platform.yaml'), 'utf8'),
    ).map((document) => document.toJS())
    expect(app.kind).toBe('Application')
    expect(app.spec.source.path).toBe('manifests/platform')
  })

  it('is refused by the CRD schema when verifyImages is malformed', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'golden-path-kyverno-'))
    try {
      const broken = readFileSync(
        join(repoRoot, 'manifests/platform/verify-images.yaml'),
        'utf8',
      ).replace('type: SigstoreBundle', 'type: Cosgin')
      writeFileSync(join(dir, 'policy.yaml'), broken)
      const report = await validate([dir])
      expect(findings(report).join('\n')).toMatch(/Cosgin|type/)
      expect(report.passed).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
