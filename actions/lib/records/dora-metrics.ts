import type { DeliveryRecord } from './delivery-record'
import { utcTimestamp } from './delivery-record'
import {
  changeFailureRateLevel,
  deploymentFrequencyLevel,
  leadTimeLevel,
  type PerformanceLevel,
  recoveryTimeLevel,
} from './dora-levels'

/** The four keys of one environment over [since, until): the `--output json` contract. */
export interface DoraMetrics {
  environment: string
  since: string
  until: string
  deployments: number
  failed: number
  /** failed ÷ deployments; null without deployments. */
  changeFailureRate: number | null
  deploymentsPerDay: number
  leadTimeSeconds: { median: number | null; p90: number | null }
  recoveryTimeSeconds: { median: number | null }
  unrecovered: number
  levels: {
    deploymentFrequency: PerformanceLevel
    leadTime: PerformanceLevel | null
    changeFailureRate: PerformanceLevel | null
    recoveryTime: PerformanceLevel | null
  }
}

/** Per day of the window (UTC), for charts. */
export interface DailyFigures {
  day: string
  deployments: number
  failures: number
  /** Median lead time (seconds) of the day's healthy deployments, null when none. */
  leadTimeMedian: number | null
}

export interface DoraWindow {
  since: number
  until: number
}

/** A record with its times parsed once. */
export interface TimedRecord {
  record: DeliveryRecord
  startedAt: number
  finishedAt: number
  healthyAt: number | null
  committedAt: number
}

const dayMs = 86_400_000

/** Checks the fields the metrics read; a note that is not a usable record is left out with a reason. */
export function timedRecord(value: unknown): TimedRecord | string {
  if (value === null || typeof value !== 'object') return 'not a JSON object'
  const record = value as Partial<DeliveryRecord>
  if (record.kind !== 'DeliveryRecord' || record.apiVersion !== 'golden-path.dev/v1') {
    return 'not a golden-path.dev/v1 DeliveryRecord'
  }
  if (typeof record.environment !== 'string' || record.environment === '') return 'no environment'
  const startedAt = Date.parse(record.startedAt ?? '')
  const finishedAt = Date.parse(record.finishedAt ?? '')
  const committedAt = Date.parse(record.source?.committedAt ?? '')
  if (Number.isNaN(startedAt) || Number.isNaN(finishedAt))
    return 'startedAt or finishedAt is not a time'
  let healthyAt: number | null = null
  if (record.outcome === 'healthy') {
    healthyAt = Date.parse(record.healthyAt ?? '')
    if (Number.isNaN(healthyAt)) return 'a healthy record without healthyAt'
  } else if (record.outcome !== 'failed' && record.outcome !== 'rolled-back') {
    return `unknown outcome '${String(record.outcome)}'`
  }
  return { record: record as DeliveryRecord, startedAt, finishedAt, healthyAt, committedAt }
}

/** The median: the middle value, or the mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length
  if (n === 0) return null
  const middle = Math.floor(n / 2)
  return n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The 90th percentile by nearest rank: the ⌈0.9·n⌉-th smallest value. */
export function percentile90(sorted: readonly number[]): number | null {
  const n = sorted.length
  if (n === 0) return null
  return sorted[Math.ceil(0.9 * n) - 1]!
}

const ascending = (a: number, b: number) => a - b
const isRollback = (timed: TimedRecord) => timed.record.trigger === 'rollback'
const isFailed = (timed: TimedRecord) =>
  timed.record.outcome === 'failed' || timed.record.outcome === 'rolled-back'

/**
 * The four keys of one environment. `all` are every record of that environment (a
 * recovery may come from a record started before the window); the window selects
 * by startedAt. A recovery counts when its healthyAt is before `until`: the report
 * says what was known at the end of its window.
 */
export function doraMetrics(
  environment: string,
  all: readonly TimedRecord[],
  window: DoraWindow,
): DoraMetrics {
  const inWindow = all.filter(
    (timed) => timed.startedAt >= window.since && timed.startedAt < window.until,
  )
  const deployments = inWindow.filter((timed) => !isRollback(timed))
  const failedRecords = deployments.filter(isFailed)
  const healthyDeployments = deployments.filter((timed) => timed.healthyAt !== null)
  const days = (window.until - window.since) / dayMs
  const leadTimes = healthyDeployments
    .filter((timed) => !Number.isNaN(timed.committedAt))
    .map((timed) => (timed.healthyAt! - timed.committedAt) / 1000)
    .sort(ascending)
  const healthyTimes = all
    .filter((timed) => timed.healthyAt !== null && timed.healthyAt < window.until)
    .map((timed) => timed.healthyAt!)
    .sort(ascending)
  const recoveries: number[] = []
  let unrecovered = 0
  for (const failure of failedRecords) {
    const recoveredAt = firstAtOrAfter(healthyTimes, failure.finishedAt)
    if (recoveredAt === undefined) unrecovered++
    else recoveries.push((recoveredAt - failure.finishedAt) / 1000)
  }
  recoveries.sort(ascending)
  const changeFailureRate =
    deployments.length === 0 ? null : failedRecords.length / deployments.length
  const deploymentsPerDay = days > 0 ? healthyDeployments.length / days : 0
  const leadTimeSeconds = { median: median(leadTimes), p90: percentile90(leadTimes) }
  const recoveryTimeSeconds = { median: median(recoveries) }
  return {
    environment,
    since: utcTimestamp(window.since),
    until: utcTimestamp(window.until),
    deployments: deployments.length,
    failed: failedRecords.length,
    changeFailureRate,
    deploymentsPerDay,
    leadTimeSeconds,
    recoveryTimeSeconds,
    unrecovered,
    levels: {
      deploymentFrequency: deploymentFrequencyLevel(deploymentsPerDay),
      leadTime: leadTimeLevel(leadTimeSeconds.median),
      changeFailureRate: changeFailureRateLevel(changeFailureRate),
      recoveryTime: recoveryTimeLevel(recoveryTimeSeconds.median),
    },
  }
}

/** The first value ≥ `at` in an ascending list (binary search: 10,000 failures stay fast). */
function firstAtOrAfter(sorted: readonly number[], at: number): number | undefined {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sorted[middle]! < at) low = middle + 1
    else high = middle
  }
  return sorted[low]
}

/** Deployments, failures and median lead time per UTC day of the window, for the chart. */
export function dailyFigures(all: readonly TimedRecord[], window: DoraWindow): DailyFigures[] {
  const first = Math.floor(window.since / dayMs) * dayMs
  const days: (DailyFigures & { leadTimes: number[] })[] = []
  for (let day = first; day < window.until; day += dayMs) {
    days.push({
      day: utcTimestamp(day).slice(0, 10),
      deployments: 0,
      failures: 0,
      leadTimeMedian: null,
      leadTimes: [],
    })
  }
  for (const timed of all) {
    if (timed.startedAt < window.since || timed.startedAt >= window.until || isRollback(timed))
      continue
    const slot = days[Math.floor((timed.startedAt - first) / dayMs)]
    if (!slot) continue
    if (isFailed(timed)) slot.failures++
    else {
      slot.deployments++
      if (!Number.isNaN(timed.committedAt))
        slot.leadTimes.push((timed.healthyAt! - timed.committedAt) / 1000)
    }
  }
  return days.map(({ leadTimes, ...day }) => ({
    ...day,
    leadTimeMedian: median(leadTimes.sort(ascending)),
  }))
}

export interface DoraReport {
  window: DoraWindow
  environments: { metrics: DoraMetrics; daily: DailyFigures[] }[]
  /** Notes that are not usable records, with why (reported, never counted). */
  skipped: { commit: string; reason: string }[]
}

/**
 * Groups the records by environment and computes each one's keys. Without an
 * environment filter, every environment that has records gets its own report.
 */
export function buildDoraReport(
  notes: readonly { commit: string; record?: unknown; error?: string }[],
  window: DoraWindow,
  environment?: string,
): DoraReport {
  const byEnvironment = new Map<string, TimedRecord[]>()
  const skipped: DoraReport['skipped'] = []
  if (environment !== undefined) byEnvironment.set(environment, [])
  for (const note of notes) {
    const timed = note.error ? note.error : timedRecord(note.record)
    if (typeof timed === 'string') {
      skipped.push({ commit: note.commit, reason: timed })
      continue
    }
    const env = timed.record.environment
    if (environment !== undefined && env !== environment) continue
    const list = byEnvironment.get(env)
    if (list) list.push(timed)
    else byEnvironment.set(env, [timed])
  }
  const environments = [...byEnvironment.keys()].sort().map((env) => {
    const records = byEnvironment.get(env)!
    return { metrics: doraMetrics(env, records, window), daily: dailyFigures(records, window) }
  })
  return { window, environments, skipped }
}
