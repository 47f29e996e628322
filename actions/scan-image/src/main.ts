import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { type Logger, spawnRunner, systemClock } from '../../lib/ports'
import { defaultRequiredLabels } from '../../lib/scan/hardening-checks'
import { scanImage } from '../../lib/scan/scan-image'
import { renderScanMarkdown } from '../../lib/scan/scan-report'
import { parseInputs } from './inputs'

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs(process.env, process.env.GITHUB_WORKSPACE || process.cwd())
    for (const deprecation of inputs.deprecations) core.warning(deprecation)
    const result = await scanImage(
      {
        oci: inputs.oci,
        image: inputs.image,
        trivyReport: inputs['trivy-report'],
        reportAt: inputs['report-at'],
        failOn: inputs['fail-on'],
        ignoreUnfixed: inputs['ignore-unfixed'],
        ignoreFile: inputs['ignore-file'],
        ignoreFileExplicit: inputs.ignoreFileExplicit,
        sarif: inputs['sarif-file'],
        skipCve: inputs['skip-cve'],
        tlsVerify: inputs['tls-verify'],
        hardening: {
          sizeBudgetBytes: inputs['size-budget'],
          requiredLabels: defaultRequiredLabels,
        },
      },
      { runner: spawnRunner, logger, clock: systemClock },
    )
    core.setOutput('passed', String(result.passed))
    core.setOutput('failing', String(result.failing))
    core.setOutput('sarif-file', result.sarifFile ?? '')
    core.setOutput('result', JSON.stringify(result))
    for (const vulnerability of result.cve?.failing ?? []) {
      core.error(
        `${vulnerability.id} in ${vulnerability.package} ${vulnerability.installedVersion}${vulnerability.fixedVersion ? ` (fixed in ${vulnerability.fixedVersion})` : ''}`,
        { title: `${vulnerability.severity} vulnerability` },
      )
    }
    for (const check of result.hardening.filter((candidate) => !candidate.passed)) {
      core.error(check.details.join('; ') || check.title, { title: `Hardening: ${check.title}` })
    }
    await core.summary.addRaw(renderScanMarkdown(result)).write()
    if (!result.passed)
      core.setFailed(`scan-image: the gate failed with ${result.failing} failing finding(s)`)
  } catch (error) {
    core.setFailed(`scan-image: ${oneLine(error)}`)
  }
}
