import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../errors'
import { CommandNotFoundError, type CommandRunner, type Logger } from '../ports'
import { readTrivyReport } from './trivy-report'
import type { Vulnerability } from './vulnerability'

/** What Trivy should scan: an OCI layout on disk or an image in a registry. */
export type TrivyTarget = { oci: string; platform?: string } | { image: string; platform?: string }

/** The argument vector for one Trivy run; every finding is kept, the gate filters. */
export function trivyArguments(target: TrivyTarget, reportPath: string): string[] {
  const subject = 'oci' in target ? ['--input', target.oci] : [target.image]
  return [
    'image',
    '--format',
    'json',
    '--output',
    reportPath,
    '--scanners',
    'vuln',
    '--quiet',
    ...(target.platform ? ['--platform', target.platform] : []),
    ...subject,
  ]
}

/**
 * Runs `trivy image` and reads the JSON report it writes. Trivy exits non-zero
 * only when it could not scan (no `--exit-code` is passed), so a non-zero exit
 * is an error, not a finding.
 */
export async function runTrivy(
  target: TrivyTarget,
  runner: CommandRunner,
  logger: Logger,
): Promise<{ vulnerabilities: Vulnerability[]; arguments: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'golden-path-trivy-'))
  const reportPath = join(dir, 'trivy.json')
  const args = trivyArguments(target, reportPath)
  try {
    logger.info(`trivy ${args.join(' ')}`)
    const result = await runner.run('trivy', args).catch((error: unknown) => {
      if (error instanceof CommandNotFoundError) {
        throw new UsageError(
          'trivy is not installed: install it (https://trivy.dev), pass --trivy-report with a report made elsewhere, or --skip-cve (skip-cve: true) to run the hardening checks only',
        )
      }
      throw error
    })
    if (result.exitCode !== 0) {
      const reason = result.stderr.trim().split('\n').pop() ?? ''
      throw new UsageError(`trivy exited with ${result.exitCode}: ${reason}`)
    }
    return { vulnerabilities: await readTrivyReport(reportPath), arguments: args }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
