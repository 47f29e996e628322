import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { renderRuleFile } from '../../actions/lib/slo/rule-file'
import { generateRuleGroups } from '../../actions/lib/slo/rules'
import { parseSloSpec } from '../../actions/lib/slo/spec'
import { sloth } from './tools'

// The reference is the real sloth v0.16.0 binary, run on the same specs: golden-path's rules
// must be the same, rule by rule, so that sloth's dashboards and alert routing work on them.
const fixtures = join(import.meta.dirname, 'fixtures')
let work: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'golden-path-sloth-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

interface Rule {
  record?: string
  alert?: string
  expr: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface Group {
  name: string
  rules: Rule[]
}

function slothGroups(fixture: string, period: string): Group[] {
  const out = join(work, `${fixture}-${period}.yaml`)
  const result = spawnSync(
    sloth(),
    ['generate', '--input', join(fixtures, fixture), '--out', out, '--default-slo-period', period],
    { encoding: 'utf8', timeout: 60_000 },
  )
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0)
  return parse(readFileSync(out, 'utf8')).groups
}

function goldenPathGroups(
  fixture: string,
  period: '30d' | '28d',
  format: 'rules' | 'prometheus-rule',
): Group[] {
  const spec = parseSloSpec(readFileSync(join(fixtures, fixture), 'utf8'), fixture)
  const text = renderRuleFile(generateRuleGroups(spec, { period }), {
    format,
    specFile: fixture,
    name: 'x',
  })
  const document = parse(text)
  return format === 'rules' ? document.groups : document.spec.groups
}

/**
 * sloth stamps its own build version into `sloth_slo_info{sloth_version}` (a `go install`ed
 * binary says "dev"); golden-path names the release it matches. Every other byte must agree.
 */
function withoutBuildVersion(groups: Group[]): Group[] {
  return groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) => {
      if (!rule.labels?.sloth_version) return rule
      const { sloth_version: _version, ...labels } = rule.labels
      return { ...rule, labels }
    }),
  }))
}

describe('rules identical to sloth v0.16.0 for the same spec', () => {
  it.each([
    ['events.yaml', '30d'],
    ['raw.yaml', '30d'],
    ['alerting-disabled.yaml', '30d'],
    ['several.yaml', '30d'],
    ['several.yaml', '28d'],
  ] as const)('%s over %s: same groups, rules, labels and PromQL', (fixture, period) => {
    const expected = withoutBuildVersion(slothGroups(fixture, period))
    expect(expected.length).toBeGreaterThanOrEqual(2)
    for (const format of ['rules', 'prometheus-rule'] as const) {
      const actual = withoutBuildVersion(goldenPathGroups(fixture, period, format))
      expect(actual.map((group) => group.name)).toEqual(expected.map((group) => group.name))
      for (const [index, group] of expected.entries()) {
        const ours = actual[index]
        expect(ours.rules.map((rule) => rule.record ?? rule.alert)).toEqual(
          group.rules.map((rule) => rule.record ?? rule.alert),
        )
        for (const [ruleIndex, rule] of group.rules.entries()) {
          // Byte-equal PromQL, then the whole rule (labels, annotations) structurally.
          expect(ours.rules[ruleIndex].expr, `${group.name} ${rule.record ?? rule.alert}`).toBe(
            rule.expr,
          )
          expect(ours.rules[ruleIndex]).toEqual(rule)
        }
      }
    }
  })

  it('leaves out the alerts group exactly when sloth does (both alerts disabled)', () => {
    const names = slothGroups('alerting-disabled.yaml', '30d').map((group) => group.name)
    expect(names).not.toContain('sloth-slo-alerts-search-indexing-freshness')
    expect(
      goldenPathGroups('alerting-disabled.yaml', '30d', 'rules').map((group) => group.name),
    ).toEqual(names)
  })
})
