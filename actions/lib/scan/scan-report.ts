import type { ScanResult } from './scan-image'
import type { Vulnerability } from './vulnerability'

function describe(vulnerability: Vulnerability): string {
  const fix = vulnerability.fixedVersion ? `fixed in ${vulnerability.fixedVersion}` : 'no fix yet'
  return `${vulnerability.severity.padEnd(8)} ${vulnerability.id}  ${vulnerability.package} ${vulnerability.installedVersion} (${fix})  [${vulnerability.target}]`
}

/** The scan result for a terminal: what fails first, then what is only listed. */
export function renderScanText(result: ScanResult): string {
  const lines: string[] = []
  const verdict = result.passed ? 'PASSED' : `FAILED (${result.failing} failing)`
  lines.push(`scan ${verdict}: ${result.subject}${result.digest ? ` (${result.digest})` : ''}`)
  const failedChecks = result.hardening.filter((check) => !check.passed)
  if (result.cve?.failing.length) {
    lines.push('', 'Vulnerabilities failing the gate:')
    lines.push(...result.cve.failing.map((v) => `  ${describe(v)}`))
  }
  if (failedChecks.length) {
    lines.push('', 'Hardening checks failing the gate:')
    for (const check of failedChecks) {
      lines.push(`  ✗ ${check.title}`)
      lines.push(...check.details.map((detail) => `      ${detail}`))
    }
  }
  if (result.cve?.reported.length) {
    lines.push('', 'Vulnerabilities listed (below the fail-on severity):')
    lines.push(...result.cve.reported.map((v) => `  ${describe(v)}`))
  }
  if (result.cve?.ignored.length) {
    lines.push('', 'Accepted by the ignore file:')
    for (const { vulnerability, entry } of result.cve.ignored) {
      lines.push(
        `  ${vulnerability.id} ${vulnerability.package} until ${entry.expires}: ${entry.reason}`,
      )
    }
  }
  if (result.cve?.expiredIgnores.length) {
    lines.push('', 'Expired ignore entries (no longer applied):')
    for (const entry of result.cve.expiredIgnores) {
      lines.push(
        `  ${entry.id}${entry.package ? ` ${entry.package}` : ''} expired ${entry.expires}`,
      )
    }
  }
  const passedChecks = result.hardening.filter((check) => check.passed)
  if (passedChecks.length) {
    lines.push('', 'Hardening checks passed:')
    lines.push(...passedChecks.map((check) => `  ✓ ${check.title}`))
  }
  lines.push('')
  if (result.cveSource === 'skipped') {
    lines.push('CVE scan skipped.')
  } else if (result.cve) {
    const { failing, reported, ignored, unfixedDropped, belowReportAt } = result.cve
    lines.push(
      `Vulnerabilities: ${failing.length} failing, ${reported.length} listed, ${ignored.length} ignored, ${unfixedDropped} without a fix dropped, ${belowReportAt} below report-at (source: ${result.cveSource}).`,
    )
  }
  if (result.sarifFile) lines.push(`SARIF written to ${result.sarifFile}.`)
  return `${lines.join('\n')}\n`
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|')
}

/** The job summary: failing findings first, as tables. */
export function renderScanMarkdown(result: ScanResult): string {
  const parts: string[] = []
  parts.push(
    `## Image scan ${result.passed ? 'passed ✅' : `failed ❌ (${result.failing} failing)`}`,
  )
  parts.push(`\`${result.subject}\`${result.digest ? ` — \`${result.digest}\`` : ''}`)
  const table = (title: string, rows: Vulnerability[]) => {
    if (rows.length === 0) return
    parts.push(`### ${title}`)
    parts.push('| severity | vulnerability | package | installed | fixed in | target |')
    parts.push('| --- | --- | --- | --- | --- | --- |')
    for (const v of rows) {
      parts.push(
        `| ${v.severity} | ${v.url ? `[${v.id}](${v.url})` : v.id} | ${cell(v.package)} | ${cell(v.installedVersion)} | ${cell(v.fixedVersion ?? '—')} | ${cell(v.target)} |`,
      )
    }
  }
  table('Vulnerabilities failing the gate', result.cve?.failing ?? [])
  const failedChecks = result.hardening.filter((check) => !check.passed)
  if (failedChecks.length) {
    parts.push('### Hardening checks failing the gate')
    for (const check of failedChecks)
      parts.push(`- ❌ **${check.title}**: ${cell(check.details.join('; '))}`)
  }
  table('Vulnerabilities listed', result.cve?.reported ?? [])
  if (result.cve?.ignored.length) {
    parts.push('### Accepted risks')
    for (const { vulnerability, entry } of result.cve.ignored) {
      parts.push(
        `- ${vulnerability.id} (${vulnerability.package}) until ${entry.expires}: ${cell(entry.reason)}`,
      )
    }
  }
  if (result.cve?.expiredIgnores.length) {
    parts.push('### Expired ignore entries')
    for (const entry of result.cve.expiredIgnores)
      parts.push(`- ${entry.id} expired ${entry.expires}`)
  }
  const passedChecks = result.hardening.filter((check) => check.passed)
  if (passedChecks.length) {
    parts.push('### Hardening checks passed')
    for (const check of passedChecks) parts.push(`- ✅ ${check.title}`)
  }
  return `${parts.join('\n\n')}\n`
}
