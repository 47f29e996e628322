import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { renderRuleFile } from '../../actions/lib/slo/rule-file'
import { generateRuleGroups } from '../../actions/lib/slo/rules'
import { parseSloSpec } from '../../actions/lib/slo/spec'
import { promtool } from './tools'

const fixtures = join(import.meta.dirname, 'fixtures')
let work: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'golden-path-promtool-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

function runPromtool(args: string[]) {
  const result = spawnSync(promtool(), args, { cwd: work, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}

function rulesFor(specText: string, name: string, period: '30d' | '28d' = '30d'): string {
  const spec = parseSloSpec(specText, name)
  return renderRuleFile(generateRuleGroups(spec, { period }), {
    format: 'rules',
    specFile: name,
    name,
  })
}

describe('promtool check rules', () => {
  it.each(['events.yaml', 'raw.yaml', 'alerting-disabled.yaml', 'several.yaml'])(
    'accepts every rule generated from %s, as a rule file and inside the PrometheusRule',
    (name) => {
      const text = readFileSync(join(fixtures, name), 'utf8')
      const plain = join(work, `plain-${name}`)
      writeFileSync(plain, rulesFor(text, name))
      // promtool reads rule files, so the PrometheusRule's spec is checked as one.
      const spec = parseSloSpec(text, name)
      const operator = parse(
        renderRuleFile(generateRuleGroups(spec), {
          format: 'prometheus-rule',
          specFile: name,
          name: 'x',
        }),
      )
      const fromOperator = join(work, `operator-${name}`)
      writeFileSync(fromOperator, stringify({ groups: operator.spec.groups }))
      const result = runPromtool(['check', 'rules', plain, fromOperator])
      expect(result.output).toContain('SUCCESS')
      expect(result.code, result.output).toBe(0)
    },
  )

  it('accepts the 28-day period rules too', () => {
    const path = join(work, 'period-28d.yaml')
    writeFileSync(
      path,
      rulesFor(readFileSync(join(fixtures, 'events.yaml'), 'utf8'), 'events.yaml', '28d'),
    )
    const result = runPromtool(['check', 'rules', path])
    expect(result.code, result.output).toBe(0)
  })

  it('fails on a query promtool cannot parse, so the check is real', () => {
    const broken = readFileSync(join(fixtures, 'raw.yaml'), 'utf8').replace(
      'sum(rate(ledger_writes_total',
      'sum(rate(ledger writes_total',
    )
    const path = join(work, 'broken.yaml')
    writeFileSync(path, rulesFor(broken, 'broken.yaml'))
    const result = runPromtool(['check', 'rules', path])
    expect(result.code).not.toBe(0)
  })
})

// A 99.9% SLO: the budget is 0.1% of requests. 10 000 requests a minute, of which `errors` fail.
const shopSpec = `version: "prometheus/v1"
service: "shop"
labels:
  owner: "shop-team"
slos:
  - name: "availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="shop",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="shop"}[{{.window}}]))
    alerting:
      name: ShopErrorBudgetBurn
      annotations:
        runbook: "https://runbooks.example.com/shop"
      page_alert:
        labels:
          severity: critical
      ticket_alert:
        disable: true
`

const pageAlert = {
  exp_labels: {
    severity: 'critical',
    sloth_severity: 'page',
    sloth_id: 'shop-availability',
    sloth_service: 'shop',
    sloth_slo: 'availability',
    owner: 'shop-team',
  },
  exp_annotations: {
    title: '(page) shop availability SLO error budget burn rate is too fast.',
    summary: 'shop availability SLO error budget burn rate is over expected.',
    runbook: 'https://runbooks.example.com/shop',
  },
}

/**
 * Counter samples, one a minute: `healthyMinutes` with no errors, then `burnMinutes` at
 * `burn` times the budget (burn 14.4 → 144 errors in 10 000 requests a minute).
 */
function traffic(healthyMinutes: number, burnMinutes: number, burn: number) {
  const errors = Math.round(burn * 10)
  const good = 10000 - errors
  const healthyTotal = healthyMinutes * 10000
  return [
    {
      series: 'http_requests_total{job="shop",code="500"}',
      values: `0+0x${healthyMinutes} ${errors}+${errors}x${burnMinutes - 1}`,
    },
    {
      series: 'http_requests_total{job="shop",code="200"}',
      values: `0+10000x${healthyMinutes} ${healthyTotal + good}+${good}x${burnMinutes - 1}`,
    },
  ]
}

// Seven healthy hours first, so that the 6h windows hold a real history and only the burn
// decides: the page's quick pair (1h and 5m above 14.4×) then fires once an hour of 14.4× is
// in the 1h window; its slow pair (6h and 30m above 6×) would need 2.5 h of it.
const healthy = 420
const at = (minutesIntoBurn: number) => `${healthy + minutesIntoBurn}m`

describe('promtool test rules: the page alert of the generated rules', () => {
  it('fires an hour into a 14.4× burn, half an hour into a 28.8× burn, and never at 0.5×', () => {
    writeFileSync(join(work, 'shop-rules.yaml'), rulesFor(shopSpec, 'shop.yaml'))
    const silent = (minutes: number[]) =>
      minutes.map((minute) => ({
        eval_time: at(minute),
        alertname: 'ShopErrorBudgetBurn',
        exp_alerts: [],
      }))
    const firing = (minutes: number[]) =>
      minutes.map((minute) => ({
        eval_time: at(minute),
        alertname: 'ShopErrorBudgetBurn',
        exp_alerts: [pageAlert],
      }))
    const tests = {
      rule_files: ['shop-rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          // 14.4×: 2% of the 30-day budget gone in an hour; pages after one hour, not before.
          interval: '1m',
          input_series: traffic(healthy, 120, 14.4),
          alert_rule_test: [...silent([-1, 10, 30, 55]), ...firing([61, 65, 90])],
        },
        {
          // 28.8× spends the same 2% in 30 minutes.
          interval: '1m',
          input_series: traffic(healthy, 60, 28.8),
          alert_rule_test: [...silent([10, 25]), ...firing([31, 45])],
        },
        {
          // Half the budget rate for four hours: within the SLO, never a page.
          interval: '1m',
          input_series: traffic(healthy, 240, 0.5),
          alert_rule_test: silent([1, 30, 61, 120, 180, 239]),
        },
      ],
    }
    writeFileSync(join(work, 'shop-tests.yaml'), stringify(tests))
    const result = runPromtool(['test', 'rules', 'shop-tests.yaml'])
    expect(result.output).toContain('SUCCESS')
    expect(result.code, result.output).toBe(0)
  })

  it('makes promtool fail when the expectation is wrong (a 0.5× burn expected to page)', () => {
    writeFileSync(join(work, 'shop-rules.yaml'), rulesFor(shopSpec, 'shop.yaml'))
    const tests = {
      rule_files: ['shop-rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: traffic(healthy, 180, 0.5),
          alert_rule_test: [
            { eval_time: at(120), alertname: 'ShopErrorBudgetBurn', exp_alerts: [pageAlert] },
          ],
        },
      ],
    }
    writeFileSync(join(work, 'shop-wrong.yaml'), stringify(tests))
    const result = runPromtool(['test', 'rules', 'shop-wrong.yaml'])
    expect(result.code).not.toBe(0)
  })
})
