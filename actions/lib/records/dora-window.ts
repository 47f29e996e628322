import { UsageError } from '../errors'
import type { DoraWindow } from './dora-metrics'

const dayMs = 86_400_000
export const defaultWindowDays = 30

/** RFC 3339 (any offset) or a UTC date YYYY-MM-DD, as milliseconds. */
function parseTime(flag: string, value: string): number {
  const date = /^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value
  const parsed = Date.parse(date)
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(date) ||
    Number.isNaN(parsed)
  ) {
    throw new UsageError(
      `invalid ${flag} '${value}': expected an RFC 3339 time (2026-11-02T10:00:00Z), a date (2026-11-02)${flag === '--since' ? ' or a number of days before --until (7d)' : ''}`,
    )
  }
  return parsed
}

/**
 * The window [since, until): until defaults to now, since to 30 days before until;
 * `--since 7d` means seven days before until.
 */
export function parseDoraWindow(
  since: string | undefined,
  until: string | undefined,
  now: number,
): DoraWindow {
  const end = until === undefined ? now : parseTime('--until', until)
  const days = since === undefined ? defaultWindowDays : /^(\d{1,4})d$/.exec(since)?.[1]
  const start = days !== undefined ? end - Number(days) * dayMs : parseTime('--since', since!)
  if (start >= end)
    throw new UsageError(
      `--since must be before --until (got ${new Date(start).toISOString()} ≥ ${new Date(end).toISOString()})`,
    )
  return { since: start, until: end }
}
