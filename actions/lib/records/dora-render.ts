import { doraReport } from './dora-levels'
import type { DailyFigures, DoraMetrics, DoraReport } from './dora-metrics'

/** `--output json`: an array, one object per environment (sorted by name), always. */
export function doraJson(report: DoraReport): string {
  return JSON.stringify(
    report.environments.map((entry) => entry.metrics),
    null,
    2,
  )
}

/** A duration in the largest unit that keeps it readable: 45s, 12m, 3.5h, 2.1d. */
export function humanDuration(seconds: number | null): string {
  if (seconds === null) return 'n/a'
  if (seconds < 60) return `${Math.round(seconds)}s`
  if (seconds < 3600) return `${round(seconds / 60)}m`
  if (seconds < 86_400) return `${round(seconds / 3600)}h`
  return `${round(seconds / 86_400)}d`
}

const round = (value: number) => Math.round(value * 10) / 10
const percent = (rate: number | null) => (rate === null ? 'n/a' : `${round(rate * 100)}%`)
const level = (value: string | null) => value ?? 'n/a'

function rows(metrics: DoraMetrics): [string, string, string][] {
  return [
    [
      'Deployment frequency',
      `${Number(metrics.deploymentsPerDay.toFixed(2))}/day (${metrics.deployments} deployments)`,
      metrics.levels.deploymentFrequency,
    ],
    [
      'Lead time for changes',
      `median ${humanDuration(metrics.leadTimeSeconds.median)}, p90 ${humanDuration(metrics.leadTimeSeconds.p90)}`,
      level(metrics.levels.leadTime),
    ],
    [
      'Change failure rate',
      `${percent(metrics.changeFailureRate)} (${metrics.failed} of ${metrics.deployments})`,
      level(metrics.levels.changeFailureRate),
    ],
    [
      'Failed deployment recovery time',
      `median ${humanDuration(metrics.recoveryTimeSeconds.median)}, ${metrics.unrecovered} unrecovered`,
      level(metrics.levels.recoveryTime),
    ],
  ]
}

export function doraText(report: DoraReport): string {
  if (report.environments.length === 0) return 'no delivery records found\n'
  const lines: string[] = []
  for (const { metrics } of report.environments) {
    lines.push(`${metrics.environment}  ${metrics.since} → ${metrics.until}`)
    for (const [name, value, performance] of rows(metrics)) {
      lines.push(`  ${name.padEnd(32)} ${value.padEnd(44)} ${performance}`)
    }
    lines.push('')
  }
  lines.push(`levels: ${doraReport}`)
  if (report.skipped.length > 0)
    lines.push(`${report.skipped.length} note(s) skipped: not delivery records`)
  return `${lines.join('\n')}\n`
}

function chart(environment: string, daily: readonly DailyFigures[]): string[] {
  const labels = daily.map((day) => `"${day.day.slice(5)}"`).join(', ')
  const top = Math.max(1, ...daily.map((day) => Math.max(day.deployments, day.failures)))
  const leadHours = daily.map((day) =>
    day.leadTimeMedian === null ? 0 : round(day.leadTimeMedian / 3600),
  )
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${environment}: deployments (bars) and failures (line) per day"`,
    `    x-axis [${labels}]`,
    `    y-axis "count" 0 --> ${top}`,
    `    bar [${daily.map((day) => day.deployments).join(', ')}]`,
    `    line [${daily.map((day) => day.failures).join(', ')}]`,
    '```',
    '',
    '```mermaid',
    'xychart-beta',
    `    title "${environment}: median lead time per day (hours; 0 = no deployment)"`,
    `    x-axis [${labels}]`,
    `    y-axis "hours" 0 --> ${Math.max(1, Math.ceil(Math.max(...leadHours)))}`,
    `    line [${leadHours.join(', ')}]`,
    '```',
  ]
}

/** A table per environment and mermaid charts: GitHub renders both in job summaries and PRs. */
export function doraMarkdown(report: DoraReport): string {
  const lines = ['## DORA metrics from delivery records', '']
  if (report.environments.length === 0) {
    lines.push('No delivery records found.')
    return `${lines.join('\n')}\n`
  }
  for (const { metrics, daily } of report.environments) {
    lines.push(`### ${metrics.environment}`, '', `${metrics.since} → ${metrics.until}`, '')
    lines.push('| key | value | level |', '| --- | --- | --- |')
    for (const [name, value, performance] of rows(metrics))
      lines.push(`| ${name} | ${value} | ${performance} |`)
    lines.push('', ...chart(metrics.environment, daily), '')
  }
  lines.push(`Levels as defined by the ${doraReport} (see docs/records.md).`)
  if (report.skipped.length > 0)
    lines.push('', `${report.skipped.length} note(s) skipped: not delivery records.`)
  return `${lines.join('\n')}\n`
}
