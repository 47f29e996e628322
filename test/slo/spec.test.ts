import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSloSpec, SloSpecError } from '../../actions/lib/slo/spec'

const fixtures = join(import.meta.dirname, 'fixtures')

function problemsOf(text: string): string[] {
  try {
    parseSloSpec(text, 'slo.yaml')
  } catch (error) {
    if (error instanceof SloSpecError) return error.lines()
    throw error
  }
  return []
}

const valid = `version: "prometheus/v1"
service: "shop"
slos:
  - name: "availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: ShopAvailability
`

describe('reading a sloth prometheus/v1 spec', () => {
  it.each(['events.yaml', 'raw.yaml', 'alerting-disabled.yaml', 'several.yaml'])(
    'accepts the sloth spec %s unchanged',
    (name) => {
      const spec = parseSloSpec(readFileSync(join(fixtures, name), 'utf8'), name)
      expect(spec.slos.length).toBeGreaterThan(0)
    },
  )

  it('keeps block-scalar queries byte for byte, trailing newline included', () => {
    const spec = parseSloSpec(readFileSync(join(fixtures, 'raw.yaml'), 'utf8'), 'raw.yaml')
    expect(spec.slos[0].sli.raw?.errorRatioQuery).toBe(
      'sum(rate(ledger_write_failures_total[{{.window}}]))\n/\nsum(rate(ledger_writes_total[{{.window}}]))\n',
    )
  })

  it.each([
    [
      'an objective above 100',
      valid.replace('99.9', '100.5'),
      'slo.yaml:5:16: objective 100.5 is out of range',
    ],
    ['an objective of 0', valid.replace('99.9', '0'), 'slo.yaml:5:16: objective 0 is out of range'],
    [
      'an objective given as text',
      valid.replace('99.9', '"high"'),
      'slo.yaml:5:16: objective must be a number',
    ],
    [
      'a query without {{.window}}',
      valid.replace('[{{.window}}]))\n    alerting', '[5m]))\n    alerting'),
      'slo.yaml:9:22: total_query: the query must use {{.window}}',
    ],
    [
      'a template variable other than window',
      valid.replace('code=~"5.."}[{{.window}}]', 'code=~"5.."}[{{.range}}]'),
      'slo.yaml:8:22: error_query: template {{.range}} is not supported',
    ],
    [
      'an unknown key (a misspelt error_query)',
      valid.replace('error_query', 'error_querry'),
      "slo.yaml:8:9: unknown key 'error_querry' (expected one of error_query, total_query)",
    ],
    ['an unknown top-level key', `${valid}owner: me\n`, "slo.yaml:12:1: unknown key 'owner'"],
    [
      'a wrong version',
      valid.replace('prometheus/v1', 'prometheus/v2'),
      "slo.yaml:1:10: unsupported version 'prometheus/v2'",
    ],
    [
      'a service name with spaces',
      valid.replace('"shop"', '"my shop"'),
      "slo.yaml:2:10: invalid service 'my shop'",
    ],
    [
      'a missing alert name while alerts are enabled',
      valid.replace('      name: ShopAvailability\n', '      labels: {team: shop}\n'),
      'slo.yaml:10:5: missing alerting.name',
    ],
    [
      'an unbalanced query',
      valid.replace(
        'sum(rate(http_requests_total[{{.window}}]))',
        'sum(rate(http_requests_total[{{.window}}])',
      ),
      "slo.yaml:9:22: total_query: missing ')'",
    ],
    [
      'both events and raw',
      valid.replace(
        '      events:',
        '      raw:\n        error_ratio_query: x[{{.window}}]\n      events:',
      ),
      'slo.yaml:7:7: sli has both events and raw',
    ],
    [
      'a numeric label value',
      valid.replace('service: "shop"', 'service: "shop"\nlabels:\n  tier: 1'),
      "slo.yaml:4:9: label 'tier' must be a string",
    ],
    [
      'an SLI plugin',
      valid.replace(
        / {6}events:\n.*\n.*\n/,
        '      plugin:\n        id: sloth-common/availability\n',
      ),
      'slo.yaml:7:7: SLI plugins are Go code sloth loads at run time',
    ],
    [
      'SLO plugins',
      `${valid}slo_plugins:\n  chain:\n    - id: sloth.dev/contrib/info_labels/v1\n`,
      'slo.yaml:13:3: SLO plugins run inside sloth',
    ],
    ['a YAML syntax error', valid.replace('objective: 99.9', 'objective: [99.9'), 'slo.yaml:'],
    [
      'two SLOs with one name',
      valid + valid.slice(valid.indexOf('  - name')),
      "SLO 'availability' is defined twice",
    ],
    ['an empty file', '', 'slo.yaml:1:1: the spec is empty'],
  ])('refuses %s at its file, line and column', (_what, text, expected) => {
    const problems = problemsOf(text)
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.join('\n')).toContain(expected)
  })

  it('reports every problem, not only the first', () => {
    const text = valid.replace('99.9', '101').replace('error_query', 'error_querry')
    expect(problemsOf(text)).toHaveLength(3)
  })
})
