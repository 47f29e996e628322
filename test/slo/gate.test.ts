import { describe, expect, it } from 'vitest'
import type { Clock } from '../../actions/lib/ports'
import { nullLogger } from '../../actions/lib/ports'
import {
  type GateSettings,
  gateResultJson,
  renderGateText,
  runSloGate,
} from '../../actions/lib/slo/gate'
import type { VectorSample } from '../../actions/lib/slo/prometheus-client'
import { parseSloSpec } from '../../actions/lib/slo/spec'
import { runCli } from '../support/cli-io'

const spec = parseSloSpec(
  `version: "prometheus/v1"
service: "shop"
slos:
  - name: "availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
    alerting:
      name: ShopAvailability
  - name: "latency"
    objective: 99
    sli:
      raw:
        error_ratio_query: slow_ratio[{{.window}}]
    alerting:
      name: ShopLatency
`,
  'shop.yaml',
)

/** A clock that only moves when the gate sleeps, so a ten-minute bake runs in no time. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms)
      now += ms
    },
  }
}

/** Answers each query from the SLI's window and kind; `ratios` may change as time passes. */
function prometheusAnswering(ratios: (query: string, call: number) => number[] | undefined) {
  const queries: string[] = []
  return {
    queries,
    async query(query: string): Promise<VectorSample[]> {
      queries.push(query)
      const values = ratios(query, queries.length) ?? []
      return values.map((value) => ({ labels: {}, value }))
    },
  }
}

const settings = (overrides: Partial<GateSettings> = {}): GateSettings => ({
  spec,
  window: '1h',
  maxBurnRate: 1,
  period: '30d',
  allowNoData: false,
  intervalMs: 30_000,
  ...overrides,
})

describe('the SLO gate decision', () => {
  it('queries each SLI at the window, exactly as the recording rules would, and computes the burn rate', async () => {
    const prometheus = prometheusAnswering((query) =>
      query.includes('errors_total') ? [0.0005] : [0.002],
    )
    const result = await runSloGate(settings(), {
      prometheus,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(prometheus.queries).toEqual([
      '(sum(rate(errors_total[1h])))\n/\n(sum(rate(requests_total[1h])))\n',
      '(slow_ratio[1h])',
    ])
    expect(result.ok).toBe(true)
    expect(result.slos[0]).toEqual({
      name: 'availability',
      objective: 99.9,
      window: '1h',
      errorRatio: 0.0005,
      burnRate: expect.closeTo(0.5, 9),
      ok: true,
    })
    expect(result.slos[1].burnRate).toBeCloseTo(0.2, 9)
  })

  it('fails the SLO over --max-burn-rate and says by how much', async () => {
    const prometheus = prometheusAnswering((query) =>
      query.includes('errors_total') ? [0.0144] : [0],
    )
    const result = await runSloGate(settings(), {
      prometheus,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(result.ok).toBe(false)
    expect(result.slos[0].ok).toBe(false)
    expect(result.slos[0].reason).toBe(
      'burn rate 14.4 over 1h exceeds 1 (error ratio 0.0144, budget 0.001)',
    )
    expect(renderGateText(result)).toContain(
      'FAIL availability (objective 99.9%): error ratio 0.0144, burn rate 14.4',
    )
    const higher = await runSloGate(settings({ maxBurnRate: 14.5 }), {
      prometheus,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(higher.ok).toBe(true)
  })

  it('judges several series by the worst, and NaN (no traffic) as no data', async () => {
    const worst = prometheusAnswering(() => [0.0001, 0.003, Number.NaN])
    const result = await runSloGate(settings({ slo: 'availability' }), {
      prometheus: worst,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(result.slos[0].errorRatio).toBe(0.003)
    const silent = prometheusAnswering(() => [Number.NaN])
    const none = await runSloGate(settings({ slo: 'availability' }), {
      prometheus: silent,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(none.ok).toBe(false)
    expect(none.slos[0]).toMatchObject({ errorRatio: null, burnRate: null, ok: false })
  })

  it('counts the remaining budget over the period only when a minimum is asked for', async () => {
    const prometheus = prometheusAnswering((query) => (query.includes('[30d]') ? [0.0008] : [0]))
    const result = await runSloGate(settings({ slo: 'availability', minBudgetRemaining: 0.25 }), {
      prometheus,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(prometheus.queries.some((query) => query.includes('[30d]'))).toBe(true)
    expect(result.slos[0].budgetRemaining).toBeCloseTo(0.2, 9)
    expect(result.ok).toBe(false)
    expect(result.slos[0].reason).toBe('0.2 of the 30d error budget remains, below 0.25')
  })

  it('bakes every interval until the bake time is up, then passes', async () => {
    const clock = fakeClock()
    const prometheus = prometheusAnswering(() => [0])
    const result = await runSloGate(settings({ bakeMs: 600_000, intervalMs: 30_000 }), {
      prometheus,
      clock,
      logger: nullLogger,
    })
    expect(result.ok).toBe(true)
    expect(result.evaluations).toBe(21)
    expect(clock.sleeps).toEqual(Array(20).fill(30_000))
    expect(result.bake).toBe('600s')
  })

  it('stops baking at the first evaluation over the limit', async () => {
    const clock = fakeClock()
    // Healthy for the first three evaluations (two SLOs each), then availability burns.
    const prometheus = prometheusAnswering((query, call) =>
      call > 6 && query.includes('errors_total') ? [0.01] : [0],
    )
    const result = await runSloGate(settings({ bakeMs: 600_000, intervalMs: 30_000 }), {
      prometheus,
      clock,
      logger: nullLogger,
    })
    expect(result.ok).toBe(false)
    expect(result.evaluations).toBe(4)
    expect(clock.now()).toBe(90_000)
    expect(result.slos[0].burnRate).toBeCloseTo(10, 9)
  })

  it('writes an unbounded burn rate (objective 100, any error) as null in JSON', async () => {
    const strict = parseSloSpec(
      'version: "prometheus/v1"\nservice: svc\nslos:\n  - name: all\n    objective: 100\n    sli: {raw: {error_ratio_query: "x[{{.window}}]"}}\n    alerting: {name: A}\n',
      's.yaml',
    )
    const prometheus = prometheusAnswering(() => [0.001])
    const result = await runSloGate(settings({ spec: strict }), {
      prometheus,
      clock: fakeClock(),
      logger: nullLogger,
    })
    expect(result.ok).toBe(false)
    expect(JSON.parse(gateResultJson(result)).slos[0].burnRate).toBeNull()
  })
})

describe('golden-path slo: usage errors exit 2 with one line', () => {
  const cwd = new URL('../..', import.meta.url).pathname
  it.each([
    [['slo'], "missing subcommand: 'golden-path slo rules' or 'golden-path slo gate'"],
    [['slo', 'lint'], "unknown subcommand 'lint'"],
    [['slo', 'rules'], 'missing --spec FILE'],
    [
      ['slo', 'rules', '--spec', 'service/slo.yaml', '--format', 'json'],
      "invalid --format 'json': expected one of prometheus-rule, rules",
    ],
    [['slo', 'rules', '--spec', 'no/such.yaml'], 'no/such.yaml: cannot read file (ENOENT)'],
    [['slo', 'gate', '--spec', 'service/slo.yaml'], 'missing --prometheus URL'],
    [
      ['slo', 'gate', '--prometheus', 'ftp://x', '--spec', 'service/slo.yaml'],
      'invalid --prometheus: uses ftp: expected http or https',
    ],
    [
      [
        'slo',
        'gate',
        '--prometheus',
        'http://127.0.0.1:9',
        '--spec',
        'service/slo.yaml',
        '--window',
        '1 hour',
      ],
      "invalid --window '1 hour'",
    ],
    [
      [
        'slo',
        'gate',
        '--prometheus',
        'http://127.0.0.1:9',
        '--spec',
        'service/slo.yaml',
        '--max-burn-rate',
        'fast',
      ],
      "invalid --max-burn-rate 'fast'",
    ],
    [
      [
        'slo',
        'gate',
        '--prometheus',
        'http://127.0.0.1:9',
        '--spec',
        'service/slo.yaml',
        '--min-budget-remaining',
        '25',
      ],
      "invalid --min-budget-remaining '25'",
    ],
    [
      [
        'slo',
        'gate',
        '--prometheus',
        'http://127.0.0.1:9',
        '--spec',
        'service/slo.yaml',
        '--slo',
        'uptime',
      ],
      "no SLO named 'uptime' in service/slo.yaml: expected one of requests-availability, requests-latency",
    ],
    [
      [
        'slo',
        'gate',
        '--prometheus',
        'http://127.0.0.1:9',
        '--spec',
        'service/slo.yaml',
        '--bake',
        'soon',
      ],
      "invalid --bake 'soon'",
    ],
  ])('golden-path %j', async (args, message) => {
    const result = await runCli(args, cwd)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('names a malformed spec at its file, line and column', async () => {
    const result = await runCli(['slo', 'rules', '--spec', 'test/slo/fixtures/malformed.yaml'], cwd)
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'golden-path slo: test/slo/fixtures/malformed.yaml:9:16: objective 199.9 is out of range: a percentage greater than 0 and at most 100, e.g. 99.9 (and 1 more problem)\n',
    )
  })
})
