import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { validate, validateText } from '../manifests/validate-harness'
import { findObject, overlayDir, renderKustomization, repoRoot } from '../platform/kube-objects'
import { runCli } from '../support/cli-io'

const committedRule = join(repoRoot, 'manifests', 'base', 'prometheusrule.yaml')
const operatorCrds = join(repoRoot, 'data', 'prometheus-operator')

describe('the SLO rules and scrape config in manifests/base', () => {
  it('are what `golden-path slo rules` generates from service/slo.yaml today (regenerate → equal)', async () => {
    const result = await runCli(['slo', 'rules', '--spec', 'service/slo.yaml'], repoRoot)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(
      result.stdout,
      'manifests/base/prometheusrule.yaml is stale: run golden-path slo rules --spec service/slo.yaml --output-file manifests/base/prometheusrule.yaml',
    ).toBe(readFileSync(committedRule, 'utf8'))
  })

  it('validate against the prometheus-operator CRDs in every overlay', async () => {
    for (const environment of ['dev', 'stage', 'prod']) {
      const report = await validate({
        kustomize: [`manifests/overlays/${environment}`],
        crds: ['data/prometheus-operator'],
      })
      const monitoring = report.resources.filter((resource) =>
        ['PrometheusRule', 'ServiceMonitor'].includes(resource.kind),
      )
      expect(monitoring.map((resource) => `${resource.kind}/${resource.status}`).sort()).toEqual([
        'PrometheusRule/valid',
        'ServiceMonitor/valid',
      ])
    }
  })

  it('validate without --crd too: golden-path validate knows these two kinds from the same CRDs', async () => {
    const report = await validate({ kustomize: ['manifests/overlays/prod'], policy: 'golden-path' })
    expect(report.resources.filter((resource) => resource.status !== 'valid')).toEqual([])
    expect(report.resources.map((resource) => resource.kind)).toEqual(
      expect.arrayContaining(['PrometheusRule', 'ServiceMonitor']),
    )
    const broken = readFileSync(committedRule, 'utf8').replace(
      '- record: slo:objective:ratio',
      '- recrd: slo:objective:ratio',
    )
    expect((await validateText(broken)).passed).toBe(false)
    const check = spawnSync(
      process.execPath,
      [join(repoRoot, 'scripts/generate-crd-schemas.mjs'), '--check'],
      {
        encoding: 'utf8',
      },
    )
    expect(check.status, check.stderr).toBe(0)
  })

  it('are checked by those CRDs: a misspelt rule field is caught at its line', async () => {
    const broken = readFileSync(committedRule, 'utf8').replace(
      '- record: slo:objective:ratio',
      '- recrd: slo:objective:ratio',
    )
    const report = await validateText(broken, { crds: [operatorCrds] })
    const findings = report.resources.flatMap((resource) => resource.findings)
    expect(findings.map((finding) => finding.message).join('\n')).toMatch(/recrd/)
    expect(report.passed).toBe(false)
  })

  it('scrape the Service the SLIs select: its labels, its http port and its name as the job', async () => {
    const objects = await renderKustomization(overlayDir('dev'))
    const monitor = findObject(objects, 'ServiceMonitor')
    const service = findObject(objects, 'Service')
    for (const [name, value] of Object.entries(monitor.spec.selector.matchLabels)) {
      expect(service.metadata.labels?.[name], name).toBe(value)
    }
    const portNames = service.spec.ports.map((port: { name: string }) => port.name)
    expect(portNames).toContain(monitor.spec.endpoints[0].port)
    expect(monitor.spec.endpoints[0].path).toBe('/metrics')
    // prometheus-operator's job label is the Service name unless jobLabel says otherwise.
    expect(monitor.spec.jobLabel).toBeUndefined()
    expect(readFileSync(join(repoRoot, 'service', 'slo.yaml'), 'utf8')).toContain(
      `job="${service.metadata.name}"`,
    )
  })
})

// kubeconform reads JSON schemas, not CRDs: each CRD's openAPIV3Schema becomes a schema file
// named the way kubeconform looks it up, so the same resources are checked by a second tool.
describe('kubeconform on the monitoring resources, with schemas from the same CRDs', () => {
  const kubeconform = [join(homedir(), 'go/bin/kubeconform'), 'kubeconform'].find(
    (candidate) => spawnSync(candidate, ['-v']).status === 0,
  )
  let work: string
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'golden-path-kubeconform-slo-'))
    for (const file of [
      'monitoring.coreos.com_prometheusrules.yaml',
      'monitoring.coreos.com_servicemonitors.yaml',
    ]) {
      const crd = parse(readFileSync(join(operatorCrds, file), 'utf8'))
      const kind = String(crd.spec.names.kind).toLowerCase()
      const schema = crd.spec.versions.find((version: { name: string }) => version.name === 'v1')
        .schema.openAPIV3Schema
      writeFileSync(join(work, `${kind}.json`), JSON.stringify(schema))
    }
  })
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('accepts the rendered PrometheusRule and ServiceMonitor and rejects a broken one', async () => {
    expect(
      kubeconform,
      'kubeconform is required: go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0',
    ).toBeDefined()
    const objects = await renderKustomization(overlayDir('prod'))
    const monitoring = objects.filter((object) => object.apiVersion === 'monitoring.coreos.com/v1')
    expect(monitoring).toHaveLength(2)
    const good = join(work, 'good.yaml')
    writeFileSync(good, monitoring.map((object) => stringify(object)).join('---\n'))
    const broken = structuredClone(findObject(monitoring, 'PrometheusRule'))
    broken.spec.groups[0].rules[0].for = 'five minutes'
    const bad = join(work, 'bad.yaml')
    writeFileSync(bad, stringify(broken))
    const run = (file: string) =>
      spawnSync(
        kubeconform as string,
        ['-strict', '-summary', '-schema-location', join(work, '{{.ResourceKind}}.json'), file],
        {
          encoding: 'utf8',
        },
      )
    const accepted = run(good)
    expect(accepted.status, `${accepted.stdout}${accepted.stderr}`).toBe(0)
    expect(accepted.stdout).toContain('Valid: 2')
    expect(existsSync(bad)).toBe(true)
    expect(run(bad).status).not.toBe(0)
  })
})
