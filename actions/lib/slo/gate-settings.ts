import { UsageError } from '../errors'
import { supportedPeriods } from './alert-windows'
import { type GateSettings, gateDefaults, selectSlos } from './gate'
import { type PrometheusTarget, prometheusTarget } from './prometheus-client'
import { parsePrometheusDuration } from './prometheus-format'
import { loadSloSpec } from './spec-file'

/** The gate's settings as given: CLI flags and action inputs, named alike (kebab-case). */
export interface RawGateSettings {
  prometheus?: string
  spec?: string
  slo?: string
  window?: string
  'max-burn-rate'?: string
  'min-budget-remaining'?: string
  bake?: string
  interval?: string
  'allow-no-data'?: boolean
  token?: string
  period?: string
  'request-timeout'?: string
}

export interface ResolvedGateSettings {
  gate: GateSettings
  target: PrometheusTarget
  /** The token, so that the caller can mask it; never printed. */
  token?: string
  requestTimeoutMs: number
  specFile: string
}

/** How a setting is named to the user: `--window` for the CLI, `input 'window'` for the action. */
export type SettingLabel = (name: string) => string

function duration(label: SettingLabel, name: string, text: string): number {
  const ms = parsePrometheusDuration(text)
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `invalid ${label(name)} '${text}': expected a Prometheus duration such as 5m, 1h or 1d`,
    )
  }
  return ms
}

function number(
  label: SettingLabel,
  name: string,
  value: string | undefined,
  valid: (n: number) => boolean,
  expected: string,
): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed) || !valid(parsed)) {
    throw new UsageError(`invalid ${label(name)} '${value}': expected ${expected}`)
  }
  return parsed
}

/**
 * Checks every setting and reads the spec; throws UsageError naming the setting. The token
 * falls back to `envToken` ($PROMETHEUS_TOKEN).
 */
export function parseGateSettings(
  raw: RawGateSettings,
  label: SettingLabel,
  cwd: string,
  envToken?: string,
): ResolvedGateSettings {
  if (raw.prometheus === undefined) {
    throw new UsageError(
      `missing ${label('prometheus')} URL: the Prometheus that scrapes the service`,
    )
  }
  if (raw.spec === undefined) {
    throw new UsageError(`missing ${label('spec')} FILE: the sloth prometheus/v1 spec`)
  }
  const token = raw.token ?? (envToken === '' ? undefined : envToken)
  let target: PrometheusTarget
  try {
    target = prometheusTarget(raw.prometheus, token)
  } catch (error) {
    // The URL may carry credentials: name the setting, never echo the value.
    throw new UsageError(`invalid ${label('prometheus')}: ${(error as Error).message}`)
  }
  const window = raw.window ?? gateDefaults.window
  duration(label, 'window', window)
  const period = raw.period ?? gateDefaults.period
  if (!(supportedPeriods as readonly string[]).includes(period)) {
    throw new UsageError(
      `invalid ${label('period')} '${period}': expected one of ${supportedPeriods.join(', ')}`,
    )
  }
  const maxBurnRate =
    number(
      label,
      'max-burn-rate',
      raw['max-burn-rate'],
      (n) => n >= 0,
      'a number of 0 or more, e.g. 1 or 14.4',
    ) ?? gateDefaults.maxBurnRate
  const minBudgetRemaining = number(
    label,
    'min-budget-remaining',
    raw['min-budget-remaining'],
    (n) => n >= 0 && n <= 1,
    'a share of the budget from 0 to 1, e.g. 0.25',
  )
  const bakeMs = raw.bake === undefined ? undefined : duration(label, 'bake', raw.bake)
  const intervalMs =
    raw.interval === undefined ? gateDefaults.intervalMs : duration(label, 'interval', raw.interval)
  const requestTimeoutSeconds =
    number(
      label,
      'request-timeout',
      raw['request-timeout'],
      (n) => n > 0 && n <= 300,
      'seconds from 1 to 300',
    ) ?? 10
  const { spec, file } = loadSloSpec(raw.spec, cwd)
  if (raw.slo !== undefined && selectSlos(spec, raw.slo).length === 0) {
    throw new UsageError(
      `no SLO named '${raw.slo}' in ${file}: expected one of ${spec.slos.map((slo) => slo.name).join(', ')}`,
    )
  }
  return {
    gate: {
      spec,
      slo: raw.slo,
      window,
      maxBurnRate,
      minBudgetRemaining,
      period,
      allowNoData: raw['allow-no-data'] === true,
      bakeMs,
      intervalMs,
    },
    target,
    token,
    requestTimeoutMs: requestTimeoutSeconds * 1000,
    specFile: file,
  }
}

/** Replaces the token wherever a message might carry it (a server echoing the request). */
export function tokenMask(token: string | undefined): (message: string) => string {
  return (message) =>
    token !== undefined && token.length >= 4 ? message.split(token).join('***') : message
}
