import { goldenPathVersion } from '../version'
import type { Finding, ResourceResult, Severity, ValidationReport } from './report'

const sarifLevel: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'note' }

/**
 * SARIF 2.1.0 for code scanning: one rule per finding id, real regions, and a fingerprint
 * from the rule, file, resource identity and JSON pointer, so an alert survives edits that
 * only move lines.
 */
export function renderSarif(report: ValidationReport): string {
  const rules: {
    id: string
    name: string
    shortDescription: { text: string }
    defaultConfiguration: { level: string }
  }[] = []
  const ruleIndex = new Map<string, number>()
  const results: unknown[] = []
  const indexOf = (finding: Finding): number => {
    let index = ruleIndex.get(finding.rule)
    if (index === undefined) {
      index = rules.length
      ruleIndex.set(finding.rule, index)
      rules.push({
        id: finding.rule,
        name: finding.rule,
        shortDescription: { text: ruleDescription(finding) },
        defaultConfiguration: { level: sarifLevel[finding.severity] },
      })
    }
    return index
  }
  for (const resource of report.resources) {
    for (const finding of resource.findings) {
      const result: Record<string, unknown> = {
        ruleId: finding.rule,
        ruleIndex: indexOf(finding),
        level: sarifLevel[finding.severity],
        message: {
          text: `${identity(resource)}${finding.path ? ` ${finding.path}` : ''}: ${finding.message}`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: finding.file, uriBaseId: '%SRCROOT%' },
              region: { startLine: finding.line, startColumn: finding.column },
            },
          },
        ],
        partialFingerprints: { 'goldenPathFinding/v1': fingerprint(resource, finding) },
      }
      if (finding.suppressed) {
        result.suppressions = [{ kind: 'inSource', justification: finding.reason ?? '' }]
      }
      results.push(result)
    }
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'golden-path validate',
            version: goldenPathVersion,
            informationUri: 'https://github.com/example-org/golden-path',
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: './' } },
        results,
      },
    ],
  }
  return `${JSON.stringify(sarif, null, 2)}\n`
}

function identity(resource: ResourceResult): string {
  if (!resource.kind) return resource.file
  return `${resource.kind}/${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`
}

function fingerprint(resource: ResourceResult, finding: Finding): string {
  // Loaded on first use: the other output formats need no crypto at start-up.
  const { createHash } = process.getBuiltinModule('node:crypto')
  return createHash('sha256')
    .update(
      [
        finding.rule,
        finding.file,
        resource.apiVersion,
        resource.kind,
        resource.namespace,
        resource.name,
        finding.path,
      ].join('\u0000'),
    )
    .digest('hex')
}

function ruleDescription(finding: Finding): string {
  if (finding.rule.startsWith('schema-')) return `Kubernetes schema: ${finding.rule.slice(7)}`
  if (finding.rule.startsWith('yaml-') || finding.rule === 'duplicate-key') return 'YAML syntax'
  return finding.message.replace(/^container '[^']*' /, '')
}
