import type { ResourceResult, ValidationReport } from './report'

function resourceLabel(resource: ResourceResult): string {
  if (!resource.kind) return 'document'
  const name = resource.name
    ? `/${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`
    : ''
  return `${resource.kind}${name}`
}

/** Findings grouped by file, one line each (`line:column severity rule resource: message`). */
export function renderText(report: ValidationReport): string {
  const lines: string[] = []
  const byFile = new Map<string, string[]>()
  for (const resource of report.resources) {
    for (const finding of resource.findings) {
      const entries = byFile.get(finding.file) ?? []
      const level = finding.suppressed ? 'suppressed' : finding.severity
      const where = finding.path ? ` ${finding.path}` : ''
      const why = finding.suppressed ? ` (suppressed: ${finding.reason})` : ''
      entries.push(
        `  ${`${finding.line}:${finding.column}`.padEnd(8)} ${level.padEnd(10)} ${finding.rule.padEnd(26)} ${resourceLabel(resource)}${where}: ${finding.message}${why}`,
      )
      byFile.set(finding.file, entries)
    }
  }
  for (const [file, entries] of byFile) {
    lines.push(file, ...entries, '')
  }
  const { summary, counts } = report
  lines.push(
    `${summary.resources} resources: ${summary.valid} valid, ${summary.invalid} invalid, ${summary.errors} errors, ${summary.skipped} skipped (${counts.errors} error and ${counts.warnings} warning findings)`,
  )
  return `${lines.join('\n')}\n`
}

/** `--output json`: exactly `{resources, summary}`. */
export function renderJson(report: ValidationReport): string {
  return `${JSON.stringify({ resources: report.resources, summary: report.summary }, null, 2)}\n`
}
