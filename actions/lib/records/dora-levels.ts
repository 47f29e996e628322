/**
 * The performance levels of the 2023 Accelerate State of DevOps Report (DORA, Google
 * Cloud), "Software delivery performance" clusters:
 *
 * | level  | deployment frequency           | lead time for changes   | change failure rate | failed deployment recovery time |
 * | elite  | on demand (many a day)         | less than one day       | 5%                  | less than one hour              |
 * | high   | once a day to once a week      | one day to one week     | 10%                 | less than one day               |
 * | medium | once a week to once a month    | one week to one month   | 15%                 | one day to one week             |
 * | low    | less than once a month         | more than one month     | 64%                 | more than one week              |
 *
 * The report gives ranges from a survey; the boundaries below read them as thresholds
 * (a rate at or under a level's figure is that level).
 */
export type PerformanceLevel = 'elite' | 'high' | 'medium' | 'low'

export const doraReport = 'Accelerate State of DevOps Report 2023'

const hour = 3600
const day = 24 * hour

export function deploymentFrequencyLevel(perDay: number): PerformanceLevel {
  if (perDay >= 1) return 'elite'
  if (perDay >= 1 / 7) return 'high'
  if (perDay >= 1 / 30) return 'medium'
  return 'low'
}

export function leadTimeLevel(seconds: number | null): PerformanceLevel | null {
  if (seconds === null) return null
  if (seconds < day) return 'elite'
  if (seconds <= 7 * day) return 'high'
  if (seconds <= 30 * day) return 'medium'
  return 'low'
}

export function changeFailureRateLevel(rate: number | null): PerformanceLevel | null {
  if (rate === null) return null
  if (rate <= 0.05) return 'elite'
  if (rate <= 0.1) return 'high'
  if (rate <= 0.15) return 'medium'
  return 'low'
}

export function recoveryTimeLevel(seconds: number | null): PerformanceLevel | null {
  if (seconds === null) return null
  if (seconds < hour) return 'elite'
  if (seconds < day) return 'high'
  if (seconds <= 7 * day) return 'medium'
  return 'low'
}
