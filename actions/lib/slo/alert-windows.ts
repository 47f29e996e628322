import { parsePrometheusDuration } from './prometheus-format'

/** One half of a multi-window, multi-burn-rate alert: how much budget, over which windows. */
export interface BurnWindow {
  /** Share of the period's error budget that, once spent in the long window, fires the alert. */
  errorBudgetPercent: number
  shortWindowMs: number
  longWindowMs: number
}

export type Severity = 'page' | 'ticket'

/** The four alert windows of one SLO period (Google SRE workbook, "Alerting on SLOs"). */
export interface AlertWindows {
  periodMs: number
  page: { quick: BurnWindow; slow: BurnWindow }
  ticket: { quick: BurnWindow; slow: BurnWindow }
}

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour

/**
 * The workbook's recommended parameters, the same for 28 and 30 day periods: page at 2% of the
 * budget in 1h (short 5m) or 5% in 6h (short 30m); ticket at 10% in 1d (short 2h) or 10% in 3d
 * (short 6h). These are the catalog sloth ships, so the burn factors come out 14.4, 6, 3 and 1
 * for 30 days.
 */
function workbookWindows(periodMs: number): AlertWindows {
  return {
    periodMs,
    page: {
      quick: { errorBudgetPercent: 2, shortWindowMs: 5 * minute, longWindowMs: hour },
      slow: { errorBudgetPercent: 5, shortWindowMs: 30 * minute, longWindowMs: 6 * hour },
    },
    ticket: {
      quick: { errorBudgetPercent: 10, shortWindowMs: 2 * hour, longWindowMs: day },
      slow: { errorBudgetPercent: 10, shortWindowMs: 6 * hour, longWindowMs: 3 * day },
    },
  }
}

export const supportedPeriods = ['30d', '28d'] as const
export type SloPeriod = (typeof supportedPeriods)[number]

export function alertWindowsFor(period: SloPeriod): AlertWindows {
  return workbookWindows(parsePrometheusDuration(period) as number)
}

/**
 * How many times faster than "exactly the budget over the period" the errors must arrive to
 * spend `errorBudgetPercent` of the budget within the long window. Computed in the same order
 * of float operations as sloth, so the printed factor is identical (14.4, not 14.399999).
 */
export function burnRateFactor(periodMs: number, window: BurnWindow): number {
  const periodHours = periodMs / hour
  const hoursToSpend = (window.errorBudgetPercent * periodHours) / 100
  return hoursToSpend / (window.longWindowMs / hour)
}

/** Every distinct window the alerts read, shortest first. */
export function alertWindowDurations(windows: AlertWindows): number[] {
  const all = [windows.page.quick, windows.page.slow, windows.ticket.quick, windows.ticket.slow]
  const distinct = new Set(all.flatMap((window) => [window.shortWindowMs, window.longWindowMs]))
  return [...distinct].sort((a, b) => a - b)
}
