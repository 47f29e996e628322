import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evaluateCveGate } from '../../actions/lib/scan/cve-gate'
import type { HardeningCheck } from '../../actions/lib/scan/hardening-checks'
import { buildSarif } from '../../actions/lib/scan/sarif'
import { parseTrivyReport } from '../../actions/lib/scan/trivy-report'

const distroless = parseTrivyReport(
  readFileSync(join(import.meta.dirname, 'fixtures/trivy/distroless-base.json'), 'utf8'),
  'distroless-base.json',
)
const policy = { ignoreUnfixed: false, ignores: [], now: Date.parse('2026-11-30T00:00:00Z') }

describe('SARIF output', () => {
  it('is a SARIF 2.1.0 log with one rule per vulnerability and a location per result', () => {
    const gate = evaluateCveGate(distroless, { ...policy, reportAt: 'LOW', failOn: 'MEDIUM' })
    const sarif = buildSarif(gate, [], 'image.oci')
    expect(sarif.version).toBe('2.1.0')
    const run = sarif.runs[0]!
    expect(run.tool.driver.name).toBe('golden-path')
    expect(run.tool.driver.rules.map((rule) => rule.id).sort()).toEqual([
      'CVE-2019-1551',
      'CVE-2019-1563',
    ])
    expect(run.results).toHaveLength(4)
    for (const result of run.results) {
      expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe('image.oci')
    }
  })

  it('leaves out findings below report-at, as the summary does', () => {
    const gate = evaluateCveGate(distroless, { ...policy, reportAt: 'MEDIUM', failOn: 'CRITICAL' })
    const results = buildSarif(gate, [], 'image.oci').runs[0]!.results
    expect(results.map((r) => r.ruleId)).toEqual(['CVE-2019-1551', 'CVE-2019-1551'])
    expect(results.every((r) => r.level === 'warning')).toBe(true)
  })

  it('marks findings that fail the gate as errors and carries a security severity', () => {
    const gate = evaluateCveGate(distroless, { ...policy, reportAt: 'LOW', failOn: 'MEDIUM' })
    const sarif = buildSarif(gate, [], 'image.oci')
    const levels = sarif.runs[0]!.results.map((r) => `${r.ruleId}:${r.level}`)
    expect(levels).toEqual([
      'CVE-2019-1551:error',
      'CVE-2019-1551:error',
      'CVE-2019-1563:warning',
      'CVE-2019-1563:warning',
    ])
    const rule = sarif.runs[0]!.tool.driver.rules.find((r) => r.id === 'CVE-2019-1551')!
    expect(rule.properties['security-severity']).toBe('5.5')
  })

  it('reports failed hardening checks as errors and passed ones not at all', () => {
    const checks: HardeningCheck[] = [
      {
        id: 'non-root-user',
        title: 'runs as a non-root user',
        passed: false,
        details: ["config user is 'root'"],
      },
      {
        id: 'no-secrets',
        title: 'no private keys or tokens in any layer',
        passed: true,
        details: [],
      },
    ]
    const results = buildSarif(undefined, checks, 'image.oci').runs[0]!.results
    expect(results).toEqual([
      expect.objectContaining({
        ruleId: 'golden-path/hardening/non-root-user',
        level: 'error',
        message: { text: "runs as a non-root user: config user is 'root'" },
      }),
    ])
  })
})
