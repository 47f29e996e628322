import type { Clock, Logger } from '../ports'
import type { PrometheusClient } from './prometheus-client'
import { sliExpression } from './rules'
import type { ServiceLevelObjective, SloSpec } from './spec'

/** What decides the gate. Durations are Prometheus durations (`1h`) and their milliseconds. */
export interface GateSettings {
  spec: SloSpec
  /** Only this SLO (by name); every SLO of the spec when undefined. */
  slo?: string
  window: string
  maxBurnRate: number
  /** Remaining share (0–1) of the period's error budget every SLO must keep. */
  minBudgetRemaining?: number
  /** The SLO period the budget is counted over (sloth's default is 30d). */
  period: string
  allowNoData: boolean
  /** Watch this long, failing as soon as a limit is crossed; one decision when undefined. */
  bakeMs?: number
  /** Time between evaluations while baking. */
  intervalMs: number
}

export const gateDefaults = {
  window: '1h',
  maxBurnRate: 1,
  period: '30d',
  intervalMs: 30_000,
} as const

/** One SLO's figures at one evaluation. `null` figures mean Prometheus had no data. */
export interface SloEvaluation {
  name: string
  /** Percent, as in the spec. */
  objective: number
  window: string
  errorRatio: number | null
  burnRate: number | null
  /** Only with a minimum budget: remaining share of the period's budget (negative when overspent). */
  budgetRemaining?: number | null
  ok: boolean
  /** Why the SLO failed, or why it passed without data. */
  reason?: string
}

/**
 * The gate's decision. `slos` holds the last evaluation (while baking: the one that failed, or
 * the final one); `evaluations` counts how many were made.
 */
export interface GateResult {
  ok: boolean
  window: string
  maxBurnRate: number
  minBudgetRemaining?: number
  bake?: string
  evaluations: number
  slos: SloEvaluation[]
}

export interface GatePorts {
  prometheus: Pick<PrometheusClient, 'query'>
  clock: Clock
  logger: Logger
}

export function selectSlos(spec: SloSpec, name: string | undefined): ServiceLevelObjective[] {
  if (name === undefined) return spec.slos
  return spec.slos.filter((slo) => slo.name === name)
}

/** Error budget as a ratio: the share of events allowed to fail. */
function budgetRatio(objective: number): number {
  return 1 - objective / 100
}

function burnRateOf(errorRatio: number, objective: number): number {
  const budget = budgetRatio(objective)
  if (budget <= 0) return errorRatio > 0 ? Number.POSITIVE_INFINITY : 0
  return errorRatio / budget
}

/**
 * The SLI's error ratio over a window: the worst series when the query returns several, null
 * when it returns none or only NaN (no traffic makes 0/0).
 */
async function errorRatio(
  ports: GatePorts,
  slo: ServiceLevelObjective,
  window: string,
): Promise<number | null> {
  const samples = await ports.prometheus.query(sliExpression(slo, window))
  const values = samples.map((sample) => sample.value).filter((value) => !Number.isNaN(value))
  if (values.length === 0) return null
  return Math.max(...values)
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞'
  return String(Number(value.toPrecision(4)))
}

async function evaluateSlo(
  settings: GateSettings,
  ports: GatePorts,
  slo: ServiceLevelObjective,
): Promise<SloEvaluation> {
  const ratio = await errorRatio(ports, slo, settings.window)
  const evaluation: SloEvaluation = {
    name: slo.name,
    objective: slo.objective,
    window: settings.window,
    errorRatio: ratio,
    burnRate: ratio === null ? null : burnRateOf(ratio, slo.objective),
    ok: true,
  }
  const failures: string[] = []
  if (ratio === null) {
    if (settings.allowNoData) evaluation.reason = `no data over ${settings.window} (allowed)`
    else
      failures.push(`no data over ${settings.window}: Prometheus returned no samples for the SLI`)
  } else if ((evaluation.burnRate as number) > settings.maxBurnRate) {
    failures.push(
      `burn rate ${formatRatio(evaluation.burnRate as number)} over ${settings.window} exceeds ${settings.maxBurnRate} (error ratio ${formatRatio(ratio)}, budget ${formatRatio(budgetRatio(slo.objective))})`,
    )
  }
  if (settings.minBudgetRemaining !== undefined) {
    const periodRatio = await errorRatio(ports, slo, settings.period)
    if (periodRatio === null) {
      evaluation.budgetRemaining = null
      if (!settings.allowNoData)
        failures.push(`no data over ${settings.period} to count the error budget`)
    } else {
      const budget = budgetRatio(slo.objective)
      const remaining =
        budget <= 0 ? (periodRatio > 0 ? Number.NEGATIVE_INFINITY : 1) : 1 - periodRatio / budget
      evaluation.budgetRemaining = remaining
      if (remaining < settings.minBudgetRemaining) {
        failures.push(
          `${formatRatio(remaining)} of the ${settings.period} error budget remains, below ${settings.minBudgetRemaining}`,
        )
      }
    }
  }
  if (failures.length > 0) {
    evaluation.ok = false
    evaluation.reason = failures.join('; ')
  }
  return evaluation
}

/**
 * Decides whether the selected SLOs are within their limits. With a bake time it keeps
 * evaluating every interval until the time is up and stops at the first failing evaluation.
 * Throws PrometheusUnavailableError / PrometheusQueryError when Prometheus cannot answer.
 */
export async function runSloGate(settings: GateSettings, ports: GatePorts): Promise<GateResult> {
  const slos = selectSlos(settings.spec, settings.slo)
  const started = ports.clock.now()
  let evaluations = 0
  for (;;) {
    const results: SloEvaluation[] = []
    for (const slo of slos) results.push(await evaluateSlo(settings, ports, slo))
    evaluations++
    const ok = results.every((result) => result.ok)
    const elapsed = ports.clock.now() - started
    const done = !ok || settings.bakeMs === undefined || elapsed >= settings.bakeMs
    if (done) {
      return {
        ok,
        window: settings.window,
        maxBurnRate: settings.maxBurnRate,
        ...(settings.minBudgetRemaining === undefined
          ? {}
          : { minBudgetRemaining: settings.minBudgetRemaining }),
        ...(settings.bakeMs === undefined
          ? {}
          : { bake: `${Math.round(settings.bakeMs / 1000)}s` }),
        evaluations,
        slos: results,
      }
    }
    ports.logger.info(
      `within limits after ${Math.round(elapsed / 1000)} s of ${Math.round((settings.bakeMs as number) / 1000)} s: ${results
        .map(
          (result) =>
            `${result.name} burn rate ${result.burnRate === null ? 'n/a' : formatRatio(result.burnRate)}`,
        )
        .join(', ')}`,
    )
    await ports.clock.sleep(Math.min(settings.intervalMs, (settings.bakeMs as number) - elapsed))
  }
}

/** The decision as text: one line per SLO, naming every failing one with its figures. */
export function renderGateText(result: GateResult): string {
  const lines = [
    `SLO gate ${result.ok ? 'passed' : 'FAILED'}: window ${result.window}, max burn rate ${result.maxBurnRate}${
      result.minBudgetRemaining === undefined
        ? ''
        : `, min budget remaining ${result.minBudgetRemaining}`
    }${result.bake === undefined ? '' : `, baked ${result.bake} (${result.evaluations} evaluations)`}`,
  ]
  for (const slo of result.slos) {
    const figures =
      slo.errorRatio === null
        ? 'no data'
        : `error ratio ${formatRatio(slo.errorRatio)}, burn rate ${formatRatio(slo.burnRate as number)}`
    const budget =
      slo.budgetRemaining === undefined
        ? ''
        : `, budget remaining ${slo.budgetRemaining === null ? 'n/a' : formatRatio(slo.budgetRemaining)}`
    lines.push(
      `  ${slo.ok ? 'ok  ' : 'FAIL'} ${slo.name} (objective ${slo.objective}%): ${figures}${budget}${slo.reason ? ` — ${slo.reason}` : ''}`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** JSON cannot hold infinities; an unbounded burn rate is written as null with ok false. */
export function gateResultJson(result: GateResult): string {
  return `${JSON.stringify(result, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`
}
