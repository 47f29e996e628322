/** The severities the gate's flags accept, lowest first. */
export const severities = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const
export type Severity = (typeof severities)[number]

/** Trivy also reports UNKNOWN when no source rated the vulnerability. */
export type ReportedSeverity = Severity | 'UNKNOWN'

const rank: Record<ReportedSeverity, number> = {
  UNKNOWN: 0,
  LOW: 1,
  MEDIUM: 2,
  HIGH: 3,
  CRITICAL: 4,
}

/**
 * Whether a finding of `severity` is at or above `threshold`. UNKNOWN is
 * listed when everything is (threshold LOW) but never reaches a higher bar.
 */
export function atOrAbove(severity: ReportedSeverity, threshold: Severity): boolean {
  if (severity === 'UNKNOWN') return threshold === 'LOW'
  return rank[severity] >= rank[threshold]
}

export function compareSeverity(a: ReportedSeverity, b: ReportedSeverity): number {
  return rank[b] - rank[a]
}

export function isReportedSeverity(value: unknown): value is ReportedSeverity {
  return typeof value === 'string' && value in rank
}
