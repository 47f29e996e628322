import { resolve } from 'node:path'
import { ActionInputs } from '../../lib/action-input'
import { UsageError } from '../../lib/errors'
import { defaultIgnoreFile } from '../../lib/scan/scan-ignore'
import { type Severity, severities } from '../../lib/scan/severity'

/** The scan-image inputs, keyed as in action.yml. */
export interface Inputs {
  oci?: string
  image?: string
  'trivy-report'?: string
  'report-at': Severity
  'fail-on': Severity
  'ignore-unfixed': boolean
  'ignore-file': string
  /** Whether ignore-file differs from the default (then the file must exist). */
  ignoreFileExplicit: boolean
  'sarif-file'?: string
  'skip-cve': boolean
  /** Bytes. */
  'size-budget': number
  'tls-verify': boolean
  /** Warnings about deprecated input names that were used. */
  deprecations: string[]
}

export function parseInputs(
  env: NodeJS.ProcessEnv = process.env,
  workspace = process.cwd(),
): Inputs {
  const inputs = new ActionInputs(env)
  const deprecations: string[] = []
  const path = (value: string | undefined) =>
    value === undefined ? undefined : resolve(workspace, value)
  const ignoreFile = inputs.optional('ignore-file') ?? defaultIgnoreFile
  const budget = inputs.optional('size-budget') ?? '300'
  if (!/^\d+(\.\d+)?$/.test(budget) || Number(budget) <= 0) {
    throw new UsageError(`input 'size-budget' is '${budget}': expected a size in MiB, e.g. 200`)
  }
  return {
    oci: path(inputs.optional('oci')),
    image: inputs.optional('image'),
    'trivy-report': path(inputs.optional('trivy-report')),
    'report-at': inputs.oneOf('report-at', severities, 'LOW'),
    'fail-on': inputs.oneOf('fail-on', severities, 'HIGH'),
    'ignore-unfixed': inputs.boolean('ignore-unfixed', false),
    'ignore-file': resolve(workspace, ignoreFile),
    ignoreFileExplicit: ignoreFile !== defaultIgnoreFile,
    'sarif-file': path(inputs.renamed('sarif-file', 'sarif', deprecations)),
    'skip-cve': inputs.boolean('skip-cve', false),
    'size-budget': Math.round(Number(budget) * 1024 * 1024),
    'tls-verify': inputs.boolean('tls-verify', true),
    deprecations,
  }
}
