import { resolve } from 'node:path'
import { nullLogger, spawnRunner, systemClock } from '../../../actions/lib/ports'
import {
  defaultRequiredLabels,
  defaultSizeBudgetBytes,
} from '../../../actions/lib/scan/hardening-checks'
import { defaultIgnoreFile } from '../../../actions/lib/scan/scan-ignore'
import { scanImage } from '../../../actions/lib/scan/scan-image'
import { renderScanText } from '../../../actions/lib/scan/scan-report'
import { severities } from '../../../actions/lib/scan/severity'
import { oneOf, parseFlags, stringFlag } from '../args'
import type { Command } from '../command'
import { parseBoolean, parseSizeBudget } from './flag-values'

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Gate an image on vulnerabilities and hardening checks (never rebuilds)',
  usage: `Usage: golden-path scan (--oci DIR | --image REF | --trivy-report FILE) [flags]

Judges one image: vulnerabilities from Trivy (run on the image, or read from
--trivy-report) and hardening checks read from the image's OCI layout (non-root
user, no shell or package manager, no setuid/setgid or world-writable files,
required OCI labels, size budget, no private keys or tokens, entrypoint present).

  --oci DIR              OCI layout written by 'golden-path build'
  --image REF            image in a registry (copied to a temporary layout first)
  --trivy-report FILE    Trivy JSON report to judge instead of running Trivy
  --report-at SEVERITY   list findings at or above this (LOW|MEDIUM|HIGH|CRITICAL, default LOW)
  --fail-on SEVERITY     fail on findings at or above this (default HIGH)
  --ignore-unfixed       drop findings that have no fixed version
  --ignore-file F        accepted risks with expiry (default ${defaultIgnoreFile})
  --sarif FILE           write SARIF 2.1.0 for code-scanning upload
  --output text|json     how to print the result (default text)
  --skip-cve             hardening checks only (no Trivy, no report)
  --size-budget MIB      largest acceptable image, compressed layers (default ${defaultSizeBudgetBytes / 1024 / 1024})
  --tls-verify BOOL      verify TLS when copying --image (default true)

Exit codes: 0 passed, 1 gate failed, 2 usage, I/O or malformed input.`,
  async run(args, io) {
    const { values } = parseFlags('scan', args, {
      oci: { type: 'string' },
      image: { type: 'string' },
      'trivy-report': { type: 'string' },
      'report-at': { type: 'string' },
      'fail-on': { type: 'string' },
      'ignore-unfixed': { type: 'boolean' },
      'ignore-file': { type: 'string' },
      sarif: { type: 'string' },
      output: { type: 'string' },
      'skip-cve': { type: 'boolean' },
      'size-budget': { type: 'string' },
      'tls-verify': { type: 'string' },
    })
    const output = oneOf('output', stringFlag(values, 'output'), ['text', 'json'], 'text')
    const path = (name: string) => {
      const value = stringFlag(values, name)
      return value === undefined ? undefined : resolve(io.cwd, value)
    }
    const ignoreFileFlag = stringFlag(values, 'ignore-file')
    const result = await scanImage(
      {
        oci: path('oci'),
        image: stringFlag(values, 'image'),
        trivyReport: path('trivy-report'),
        reportAt: oneOf('report-at', stringFlag(values, 'report-at'), severities, 'LOW'),
        failOn: oneOf('fail-on', stringFlag(values, 'fail-on'), severities, 'HIGH'),
        ignoreUnfixed: values['ignore-unfixed'] === true,
        ignoreFile: resolve(io.cwd, ignoreFileFlag ?? defaultIgnoreFile),
        ignoreFileExplicit: ignoreFileFlag !== undefined,
        sarif: path('sarif'),
        skipCve: values['skip-cve'] === true,
        tlsVerify: parseBoolean('--tls-verify', stringFlag(values, 'tls-verify'), true),
        env: io.env,
        hardening: {
          sizeBudgetBytes: parseSizeBudget(
            '--size-budget',
            stringFlag(values, 'size-budget'),
            defaultSizeBudgetBytes,
          ),
          requiredLabels: defaultRequiredLabels,
        },
      },
      {
        runner: spawnRunner,
        logger: { ...nullLogger, warning: (message) => io.stderr.write(`warning: ${message}\n`) },
        clock: systemClock,
      },
    )
    io.stdout.write(output === 'json' ? `${JSON.stringify(result)}\n` : renderScanText(result))
    return result.passed ? 0 : 1
  },
}
