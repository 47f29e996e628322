import { renameSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as core from '@actions/core'
import { oneLine } from '../../lib/errors'
import { renderSarif } from '../../lib/manifests/render-sarif'
import type { Finding, ResourceResult, ValidationReport } from '../../lib/manifests/report'
import { validateManifests } from '../../lib/manifests/validate'
import { validationThreadsFrom } from '../../lib/manifests/validation-threads'
import { type Logger, spawnRunner } from '../../lib/ports'
import { parseInputs } from './inputs'

/** GitHub shows at most this many error and this many warning annotations per step. */
const annotationCap = 10
const summaryRows = 200

const logger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
}

function label(resource: ResourceResult): string {
  if (!resource.kind) return resource.file
  return `${resource.kind}/${resource.namespace ? `${resource.namespace}/` : ''}${resource.name}`
}

function annotate(report: ValidationReport): number {
  const shown = { error: 0, warning: 0 }
  let hidden = 0
  for (const resource of report.resources) {
    for (const finding of resource.findings) {
      if (finding.suppressed || finding.severity === 'note') continue
      const level = finding.severity
      if (shown[level] >= annotationCap) {
        hidden++
        continue
      }
      shown[level]++
      const properties = {
        title: `${finding.rule} (${label(resource)})`,
        file: finding.file,
        startLine: finding.line,
        startColumn: finding.column,
      }
      const message = `${finding.path ? `${finding.path}: ` : ''}${finding.message}`
      if (level === 'error') core.error(message, properties)
      else core.warning(message, properties)
    }
  }
  return hidden
}

function escapeCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
}

async function writeSummary(report: ValidationReport, hidden: number, sarifFile: string) {
  const { summary, counts } = report
  const findings: [ResourceResult, Finding][] = []
  for (const resource of report.resources) {
    for (const finding of resource.findings) findings.push([resource, finding])
  }
  core.summary
    .addHeading(
      report.passed && report.inputErrors === 0 ? 'Manifests valid' : 'Manifests invalid',
      2,
    )
    .addTable([
      [
        { data: 'resources', header: true },
        { data: 'valid', header: true },
        { data: 'invalid', header: true },
        { data: 'errors', header: true },
        { data: 'skipped', header: true },
        { data: 'error findings', header: true },
        { data: 'warning findings', header: true },
      ],
      [
        summary.resources,
        summary.valid,
        summary.invalid,
        summary.errors,
        summary.skipped,
        counts.errors,
        counts.warnings,
      ].map(String),
    ])
  if (findings.length > 0) {
    core.summary.addTable([
      ['location', 'severity', 'rule', 'resource', 'finding'].map((data) => ({
        data,
        header: true,
      })),
      ...findings
        .slice(0, summaryRows)
        .map(([resource, finding]) => [
          escapeCell(`${finding.file}:${finding.line}:${finding.column}`),
          finding.suppressed ? 'suppressed' : finding.severity,
          escapeCell(finding.rule),
          escapeCell(label(resource)),
          escapeCell(
            `${finding.path ? `${finding.path}: ` : ''}${finding.message}${finding.suppressed ? ` (${finding.reason})` : ''}`,
          ),
        ]),
    ])
  }
  const notes: string[] = []
  if (hidden > 0)
    notes.push(
      `${hidden} findings beyond GitHub's ${annotationCap} error and ${annotationCap} warning annotations per step are listed here and in the SARIF report.`,
    )
  if (findings.length > summaryRows)
    notes.push(
      `The table shows the first ${summaryRows} of ${findings.length} findings; all are in ${sarifFile}.`,
    )
  if (notes.length > 0) core.summary.addRaw(notes.join(' '), true)
  await core.summary.write()
}

/** Written beside its final name and renamed, so a reader never sees half a report. */
function writeAtomically(path: string, text: string) {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text)
  renameSync(temporary, path)
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs()
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd()
    const report = await validateManifests(
      {
        paths: inputs.paths,
        cwd: workspace,
        kubernetesVersion: inputs['kubernetes-version'],
        strict: inputs.strict,
        crds: inputs.crd,
        kustomize: inputs.kustomize,
        allowRemote: inputs['allow-remote'],
        policy: inputs.policy,
        failOn: inputs['fail-on'],
        ignoreMissingSchemas: inputs['ignore-missing-schemas'],
        skip: inputs.skip,
        schemaLocations: inputs['schema-location'],
        kubernetesRelease: process.env['INPUT_KUBERNETES-VERSION']?.trim() || undefined,
      },
      {
        logger,
        runner: spawnRunner,
        // This module is bundled into the action's entry script, which workers start again.
        threads: validationThreadsFrom(new URL(import.meta.url), process.env),
      },
    )
    const sarifFile = inputs['sarif-file']
    writeAtomically(resolve(workspace, sarifFile), renderSarif(report))
    const hidden = annotate(report)
    await writeSummary(report, hidden, sarifFile)
    const valid = report.passed && report.inputErrors === 0
    core.setOutput('valid', String(valid))
    core.setOutput('errors', String(report.counts.errors))
    core.setOutput('warnings', String(report.counts.warnings))
    core.setOutput('sarif-file', sarifFile)
    const { summary } = report
    core.info(
      `${summary.resources} resources: ${summary.valid} valid, ${summary.invalid} invalid, ${summary.errors} errors, ${summary.skipped} skipped`,
    )
    if (report.inputErrors > 0)
      core.setFailed(`${report.inputErrors} inputs could not be read or rendered`)
    else if (!valid)
      core.setFailed(
        `${summary.invalid + summary.errors} resources have findings at or above '${inputs['fail-on']}'`,
      )
  } catch (error) {
    core.setFailed(`validate-manifests: ${oneLine(error)}`)
  }
}
