import {
  type AlertWindows,
  alertWindowDurations,
  alertWindowsFor,
  type BurnWindow,
  burnRateFactor,
  type Severity,
  type SloPeriod,
} from './alert-windows'
import {
  formatGoFixed,
  formatGoFloat,
  formatPrometheusDuration,
  labelFilter,
} from './prometheus-format'
import { renderQueryTemplate } from './query-template'
import type { AlertSettings, ServiceLevelObjective, SloSpec } from './spec'

export interface RecordingRule {
  record: string
  expr: string
  labels: Record<string, string>
}

export interface AlertingRule {
  alert: string
  expr: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

export type PrometheusRule = RecordingRule | AlertingRule

export interface RuleGroup {
  name: string
  rules: PrometheusRule[]
}

/**
 * The values of sloth's `sloth_slo_info` metadata labels. Dashboards built for sloth read
 * `sloth_mode` and `sloth_spec`; `sloth_version` names the sloth release whose rules these are.
 */
export interface GeneratorInfo {
  version: string
  mode: string
  spec: string
}

export const slothCompatibleVersion = 'v0.16.0'

export const defaultGeneratorInfo: GeneratorInfo = {
  version: slothCompatibleVersion,
  mode: 'cli-gen-prom',
  spec: 'prometheus/v1',
}

// sloth's rule and label conventions: its Grafana dashboards query exactly these names.
export const sliErrorRecord = (window: string) => `slo:sli_error:ratio_rate${window}`
const label = {
  id: 'sloth_id',
  slo: 'sloth_slo',
  service: 'sloth_service',
  window: 'sloth_window',
  severity: 'sloth_severity',
  version: 'sloth_version',
  mode: 'sloth_mode',
  spec: 'sloth_spec',
  objective: 'sloth_objective',
} as const
const record = {
  objective: 'slo:objective:ratio',
  errorBudget: 'slo:error_budget:ratio',
  periodDays: 'slo:time_period:days',
  currentBurnRate: 'slo:current_burn_rate:ratio',
  periodBurnRate: 'slo:period_burn_rate:ratio',
  budgetRemaining: 'slo:period_error_budget_remaining:ratio',
  info: 'sloth_slo_info',
} as const

export interface GenerateOptions {
  period?: SloPeriod
  info?: GeneratorInfo
}

/** sloth's SLO id: the service and SLO names joined by a dash. */
export function sloId(spec: SloSpec, slo: ServiceLevelObjective): string {
  return `${spec.service}-${slo.name}`
}

/**
 * The rule groups sloth v0.16.0 generates for a spec with its default plugins: per SLO, SLI
 * error-ratio recordings for every alert window plus the period, metadata recordings, and the
 * multi-window multi-burn-rate page and ticket alerts (a group is left out when it is empty).
 */
export function generateRuleGroups(spec: SloSpec, options: GenerateOptions = {}): RuleGroup[] {
  const windows = alertWindowsFor(options.period ?? '30d')
  const info = options.info ?? defaultGeneratorInfo
  return spec.slos.flatMap((slo) => {
    const id = sloId(spec, slo)
    const context: SloContext = {
      id,
      slo,
      windows,
      idLabels: { [label.id]: id, [label.slo]: slo.name, [label.service]: spec.service },
      labels: { ...spec.labels, ...slo.labels },
    }
    const groups: RuleGroup[] = [
      { name: `sloth-slo-sli-recordings-${id}`, rules: sliRecordings(context) },
      { name: `sloth-slo-meta-recordings-${id}`, rules: metadataRecordings(context, info) },
      { name: `sloth-slo-alerts-${id}`, rules: alerts(context) },
    ]
    return groups.filter((group) => group.rules.length > 0)
  })
}

interface SloContext {
  id: string
  slo: ServiceLevelObjective
  windows: AlertWindows
  idLabels: Record<string, string>
  /** The spec's labels with the SLO's own on top. */
  labels: Record<string, string>
}

function sliRecordings(context: SloContext): RecordingRule[] {
  const { slo, windows, idLabels, labels } = context
  const quickShort = formatPrometheusDuration(windows.page.quick.shortWindowMs)
  const rules = alertWindowDurations(windows).map((durationMs) => {
    const window = formatPrometheusDuration(durationMs)
    return {
      record: sliErrorRecord(window),
      expr: sliExpression(slo, window),
      labels: { ...idLabels, [label.window]: window, ...labels },
    }
  })
  // The period's ratio is averaged from the shortest window's recording instead of querying 30
  // days of raw samples: cheaper for Prometheus, and what sloth records.
  const period = formatPrometheusDuration(windows.periodMs)
  const filter = labelFilter(idLabels)
  rules.push({
    record: sliErrorRecord(period),
    expr: `sum_over_time(${sliErrorRecord(quickShort)}${filter}[${period}])
/ ignoring (${label.window})
count_over_time(${sliErrorRecord(quickShort)}${filter}[${period}])
`,
    labels: { ...idLabels, [label.window]: period, ...labels },
  })
  return rules
}

/** The SLI as one error-ratio expression over `window`, as sloth records it. */
export function sliExpression(slo: ServiceLevelObjective, window: string): string {
  if (slo.sli.raw) return `(${renderQueryTemplate(slo.sli.raw.errorRatioQuery, window)})`
  const { errorQuery, totalQuery } = slo.sli.events
  return `(${renderQueryTemplate(errorQuery, window)})
/
(${renderQueryTemplate(totalQuery, window)})
`
}

function burnRateExpression(sliRecord: string, filter: string): string {
  return `${sliRecord}${filter}
/ on(${label.id}, ${label.slo}, ${label.service}) group_left
${record.errorBudget}${filter}
`
}

function metadataRecordings(context: SloContext, info: GeneratorInfo): RecordingRule[] {
  const { slo, windows, idLabels } = context
  const labels = { ...idLabels, ...context.labels }
  const filter = labelFilter(idLabels)
  const objectiveRatio = slo.objective / 100
  const quickShort = formatPrometheusDuration(windows.page.quick.shortWindowMs)
  const period = formatPrometheusDuration(windows.periodMs)
  const periodDays = windows.periodMs / 3_600_000 / 24
  return [
    { record: record.objective, expr: `vector(${formatGoFloat(objectiveRatio)})`, labels },
    { record: record.errorBudget, expr: `vector(1-${formatGoFloat(objectiveRatio)})`, labels },
    { record: record.periodDays, expr: `vector(${formatGoFloat(periodDays)})`, labels },
    {
      record: record.currentBurnRate,
      expr: burnRateExpression(sliErrorRecord(quickShort), filter),
      labels,
    },
    {
      record: record.periodBurnRate,
      expr: burnRateExpression(sliErrorRecord(period), filter),
      labels,
    },
    { record: record.budgetRemaining, expr: `1 - ${record.periodBurnRate}${filter}`, labels },
    {
      record: record.info,
      expr: 'vector(1)',
      labels: {
        ...labels,
        [label.version]: info.version,
        [label.mode]: info.mode,
        [label.spec]: info.spec,
        [label.objective]: formatGoFixed(slo.objective),
      },
    },
  ]
}

function alerts(context: SloContext): AlertingRule[] {
  const { slo, windows } = context
  const rules: AlertingRule[] = []
  const page = slo.alerting.pageAlert
  const ticket = slo.alerting.ticketAlert
  if (!page.disable)
    rules.push(alertRule(context, 'page', page, windows.page.quick, windows.page.slow))
  if (!ticket.disable) {
    rules.push(alertRule(context, 'ticket', ticket, windows.ticket.quick, windows.ticket.slow))
  }
  return rules
}

function alertRule(
  context: SloContext,
  severity: Severity,
  settings: AlertSettings,
  quick: BurnWindow,
  slow: BurnWindow,
): AlertingRule {
  const { slo, windows, idLabels } = context
  const filter = labelFilter(idLabels)
  // sloth takes the budget as 100 − objective, then divides: the same float steps give the same
  // printed number (0.0009999999999999432 for 99.9).
  const budgetRatio = formatGoFloat((100 - slo.objective) / 100)
  const condition = (windowMs: number, factor: number) =>
    `max(${sliErrorRecord(formatPrometheusDuration(windowMs))}${filter} > (${formatGoFloat(factor)} * ${budgetRatio})) without (${label.window})`
  const quickFactor = burnRateFactor(windows.periodMs, quick)
  const slowFactor = burnRateFactor(windows.periodMs, slow)
  const expr = `(
    ${condition(quick.shortWindowMs, quickFactor)}
    and
    ${condition(quick.longWindowMs, quickFactor)}
)
or
(
    ${condition(slow.shortWindowMs, slowFactor)}
    and
    ${condition(slow.longWindowMs, slowFactor)}
)
`
  return {
    alert: slo.alerting.name,
    expr,
    // The SLO's own labels are not repeated here: alerts inherit them from the recordings.
    labels: { [label.severity]: severity, ...slo.alerting.labels, ...settings.labels },
    annotations: {
      title: `(${severity}) {{$labels.${label.service}}} {{$labels.${label.slo}}} SLO error budget burn rate is too fast.`,
      summary: `{{$labels.${label.service}}} {{$labels.${label.slo}}} SLO error budget burn rate is over expected.`,
      ...slo.alerting.annotations,
      ...settings.annotations,
    },
  }
}
