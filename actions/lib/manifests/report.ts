/** How serious a finding is; `--fail-on` picks the lowest severity that fails the check. */
export type Severity = 'error' | 'warning' | 'note'

export const severityRank: Record<Severity, number> = { note: 0, warning: 1, error: 2 }

export type ResourceStatus = 'valid' | 'invalid' | 'error' | 'skipped' | 'suppressed'

export interface Finding {
  /** A stable id: `schema-*`, `yaml-*`, input rules, or a policy rule id. */
  rule: string
  severity: Severity
  message: string
  /** JSON pointer into the resource (empty for the whole document). */
  path: string
  file: string
  /** 1-based, counted from the start of the file. */
  line: number
  column: number
  /** Present when an object annotation suppresses the finding; it does not count against the check. */
  suppressed?: true
  reason?: string
}

export interface ResourceResult {
  file: string
  line: number
  column: number
  apiVersion: string
  kind: string
  name: string
  namespace: string
  status: ResourceStatus
  findings: Finding[]
}

export interface ValidationSummary {
  resources: number
  valid: number
  invalid: number
  errors: number
  skipped: number
}

export interface ValidationReport {
  resources: ResourceResult[]
  summary: ValidationSummary
  /** Unsuppressed findings by severity. */
  counts: { errors: number; warnings: number; notes: number }
  failOn: Severity
  /** True when no unsuppressed finding is at or above `failOn`. */
  passed: boolean
  /** Inputs that could not be read at all (exit code 2). */
  inputErrors: number
}

export function isActive(finding: Finding): boolean {
  return finding.suppressed !== true
}

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank[severity] >= severityRank[threshold]
}
