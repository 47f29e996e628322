import type { ResourceResult, ValidationReport } from './report'

function xml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // XML 1.0 cannot carry most control characters, even escaped.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  )
}

function caseName(resource: ResourceResult): string {
  if (!resource.kind) return `document at line ${resource.line}`
  return `${resource.kind}/${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`
}

/** JUnit XML: a test suite per file, a test case per resource. */
export function renderJunit(report: ValidationReport): string {
  const byFile = new Map<string, ResourceResult[]>()
  for (const resource of report.resources) {
    byFile.set(resource.file, [...(byFile.get(resource.file) ?? []), resource])
  }
  const suites: string[] = []
  for (const [file, resources] of byFile) {
    const failures = resources.filter((resource) => resource.status === 'invalid').length
    const errors = resources.filter((resource) => resource.status === 'error').length
    const skipped = resources.filter((resource) => resource.status === 'skipped').length
    const cases = resources.map((resource) => {
      const open = `    <testcase classname="${xml(file)}" name="${xml(caseName(resource))}">`
      const details = resource.findings
        .filter((finding) => !finding.suppressed)
        .map(
          (finding) =>
            `${finding.file}:${finding.line}:${finding.column} ${finding.severity} ${finding.rule} ${finding.path}: ${finding.message}`,
        )
        .join('\n')
      if (resource.status === 'invalid') {
        return `${open}\n      <failure message="${xml(resource.findings[0]?.message ?? 'invalid')}">${xml(details)}</failure>\n    </testcase>`
      }
      if (resource.status === 'error') {
        return `${open}\n      <error message="${xml(resource.findings[0]?.message ?? 'error')}">${xml(details)}</error>\n    </testcase>`
      }
      if (resource.status === 'skipped') return `${open}\n      <skipped/>\n    </testcase>`
      return `${open}</testcase>`
    })
    suites.push(
      `  <testsuite name="${xml(file)}" tests="${resources.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`,
    )
  }
  const { summary } = report
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="golden-path validate" tests="${summary.resources}" failures="${summary.invalid}" errors="${summary.errors}" skipped="${summary.skipped}">\n${suites.join('\n')}\n</testsuites>\n`
}
