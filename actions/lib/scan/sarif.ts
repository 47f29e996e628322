import { goldenPathVersion } from '../version'
import type { CveGateResult } from './cve-gate'
import type { HardeningCheck } from './hardening-checks'
import type { ReportedSeverity } from './severity'
import type { Vulnerability } from './vulnerability'

/** The subset of SARIF 2.1.0 (OASIS) that GitHub code scanning reads. */
export interface SarifLog {
  version: '2.1.0'
  $schema: string
  runs: {
    tool: { driver: { name: string; informationUri: string; version: string; rules: SarifRule[] } }
    results: SarifResult[]
  }[]
}

interface SarifRule {
  id: string
  name: string
  shortDescription: { text: string }
  helpUri?: string
  defaultConfiguration: { level: 'error' | 'warning' | 'note' }
  properties: { tags: string[]; 'security-severity'?: string }
}

interface SarifResult {
  ruleId: string
  level: 'error' | 'warning' | 'note'
  message: { text: string }
  locations: {
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }
  }[]
}

// GitHub ranks code-scanning alerts by this score (0.1-10), bucketed as CVSS is.
const securitySeverity: Record<ReportedSeverity, string> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '2.0',
  UNKNOWN: '0.0',
}

function vulnerabilityRule(
  vulnerability: Vulnerability,
  level: SarifRule['defaultConfiguration']['level'],
): SarifRule {
  return {
    id: vulnerability.id,
    name: 'ImageVulnerability',
    shortDescription: { text: vulnerability.title ?? vulnerability.id },
    ...(vulnerability.url ? { helpUri: vulnerability.url } : {}),
    defaultConfiguration: { level },
    properties: {
      tags: ['vulnerability', 'security', vulnerability.severity],
      'security-severity': securitySeverity[vulnerability.severity],
    },
  }
}

/**
 * SARIF for code-scanning upload. It holds exactly what the gate lists: findings
 * below `--report-at`, dropped as unfixed or accepted by an ignore entry are
 * left out, so the upload respects the same severity filter as the summary.
 * Findings that fail the gate are errors, listed ones warnings; failed
 * hardening checks are errors.
 */
export function buildSarif(
  gate: CveGateResult | undefined,
  hardening: HardeningCheck[],
  artifactUri: string,
): SarifLog {
  const rules = new Map<string, SarifRule>()
  const results: SarifResult[] = []
  const location = [
    { physicalLocation: { artifactLocation: { uri: artifactUri }, region: { startLine: 1 } } },
  ]
  const addVulnerability = (vulnerability: Vulnerability, level: SarifResult['level']) => {
    if (!rules.has(vulnerability.id))
      rules.set(vulnerability.id, vulnerabilityRule(vulnerability, level))
    const fixed = vulnerability.fixedVersion
      ? `fixed in ${vulnerability.fixedVersion}`
      : 'no fix yet'
    results.push({
      ruleId: vulnerability.id,
      level,
      message: {
        text: `${vulnerability.severity} ${vulnerability.id} in ${vulnerability.package} ${vulnerability.installedVersion} (${fixed}) [${vulnerability.target}]`,
      },
      locations: location,
    })
  }
  for (const vulnerability of gate?.failing ?? []) addVulnerability(vulnerability, 'error')
  for (const vulnerability of gate?.reported ?? []) addVulnerability(vulnerability, 'warning')
  for (const check of hardening.filter((candidate) => !candidate.passed)) {
    const ruleId = `golden-path/hardening/${check.id}`
    rules.set(ruleId, {
      id: ruleId,
      name: 'ImageHardening',
      shortDescription: { text: check.title },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['hardening', 'security'], 'security-severity': '7.0' },
    })
    results.push({
      ruleId,
      level: 'error',
      message: { text: `${check.title}: ${check.details.join('; ') || 'failed'}` },
      locations: location,
    })
  }
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'golden-path',
            informationUri: 'https://github.com/example-org/golden-path',
            version: goldenPathVersion,
            rules: [...rules.values()],
          },
        },
        results,
      },
    ],
  }
}
