import { homedir } from 'node:os'
import { join } from 'node:path'
import { oneLine, UsageError } from '../errors'
import type { CommandRunner, Logger } from '../ports'
import { displayPath, manifestFiles } from './input-files'
import { type KustomizeRendering, renderKustomization } from './kustomize'
import {
  atOrAbove,
  isActive,
  type ResourceResult,
  type Severity,
  type ValidationReport,
} from './report'
import type { KubernetesVersion } from './schema-bundle'
import { fetchSchema, locateSchema, type SchemaFetcher } from './schema-locations'
import { preparePass, ValidationPass } from './validation-pass'
import { startThreads, type ThreadedFiles, type ValidationThreads } from './validation-threads'

export interface ValidateOptions {
  /** Files and directories; `-` reads `stdin`. */
  paths: string[]
  stdin?: string
  cwd: string
  kubernetesVersion: KubernetesVersion
  strict: boolean
  /** CRD files or directories. */
  crds: string[]
  /** Kustomize overlay directories, rendered and validated as a whole. */
  kustomize: string[]
  /** Lets kustomize fetch remote resources, components and Helm charts (offline otherwise). */
  allowRemote?: boolean
  /** `golden-path`, `none` or a policy pack file. */
  policy: string
  failOn: Severity
  ignoreMissingSchemas: boolean
  /** Kinds not validated (reported as skipped). */
  skip: string[]
  /**
   * kubeconform-style schema location templates, consulted for kinds that neither the bundle
   * nor the CRDs describe. Downloads are cached in `schemaCacheDir`.
   */
  schemaLocations?: string[]
  schemaCacheDir?: string
  /** The version as the user wrote it (`1.35.2`), for {{.NormalizedKubernetesVersion}}. */
  kubernetesRelease?: string
}

export interface ValidatePorts {
  logger: Logger
  runner: CommandRunner
  /** Only needed for http(s) schema locations. */
  fetcher?: SchemaFetcher
  /** Worker threads for large inputs; without them everything runs on the caller's thread. */
  threads?: ValidationThreads
}

/**
 * Validates Kubernetes manifests against the bundled schemas of one Kubernetes version, the
 * given CRDs and a policy pack, and positions every finding in the file a user edits.
 */
export async function validateManifests(
  options: ValidateOptions,
  ports: ValidatePorts,
): Promise<ValidationReport> {
  const { cwd } = options
  const settings = {
    cwd,
    kubernetesVersion: options.kubernetesVersion,
    strict: options.strict,
    crds: options.crds,
    policy: options.policy,
    failOn: options.failOn,
    ignoreMissingSchemas: options.ignoreMissingSchemas,
    skip: options.skip,
  }
  const schemaLocations = options.schemaLocations ?? []
  // Threads share files, not documents: stdin and schema locations (which need every thread's
  // kinds before checking) stay on one thread. Workers start first: loading a thread takes as
  // long as this thread's own preparation, which then runs meanwhile.
  const inputs = options.paths.flatMap((path) =>
    path === '-' ? [path] : manifestFiles([path], cwd),
  )
  let threaded: ThreadedFiles | undefined
  if (ports.threads && !inputs.includes('-') && schemaLocations.length === 0) {
    threaded = startThreads(ports.threads, settings, inputs)
    if (threaded)
      ports.logger.debug(`reading ${inputs.length} files on ${threaded.threads} threads`)
  }
  try {
    const pass = new ValidationPass(await preparePass(settings))
    if (threaded) threaded.readClaimed(pass)
    else {
      for (const input of inputs) {
        if (input === '-') pass.addText('-', options.stdin ?? '')
        else pass.addFile(input)
      }
    }

    // Kustomize overlays: rendered, validated, and positioned back in the overlay's files.
    for (const directory of options.kustomize) {
      let rendering: KustomizeRendering
      try {
        rendering = await renderKustomization(
          directory,
          cwd,
          ports.runner,
          options.allowRemote === true,
        )
      } catch (error) {
        if (error instanceof UsageError) throw error
        pass.inputError(displayPath(directory, cwd), 'kustomize-build', oneLine(error))
        continue
      }
      pass.addRendering(rendering)
    }

    const locationMisses = new Map<string, string>()
    if (schemaLocations.length > 0) {
      for (const [key, [apiVersion, kind]] of pass.kindsWithoutSchema()) {
        const located = await locateSchema(apiVersion, kind, {
          templates: schemaLocations,
          kubernetesRelease: options.kubernetesRelease ?? options.kubernetesVersion,
          strict: options.strict,
          cwd,
          cacheDir: options.schemaCacheDir ?? join(homedir(), '.cache', 'golden-path', 'schemas'),
          fetcher: ports.fetcher ?? fetchSchema,
        })
        if (located.found) {
          ports.logger.debug(`schema for ${apiVersion} ${kind}: ${located.source}`)
          pass.addLocatedSchema(apiVersion, kind, located.schema)
        } else locationMisses.set(key, located.reason)
      }
    }

    if (!threaded) {
      pass.check(pass.budgets, locationMisses)
      return summarize(pass.results, options.failOn, pass.inputErrors)
    }
    pass.check(await threaded.shareBudgets(pass.budgets))
    const { results, inputErrors } = await threaded.collect(pass)
    return summarize(results, options.failOn, inputErrors)
  } catch (error) {
    threaded?.stop()
    throw error
  }
}

function summarize(
  results: ResourceResult[],
  failOn: Severity,
  inputErrors: number,
): ValidationReport {
  const summary = { resources: results.length, valid: 0, invalid: 0, errors: 0, skipped: 0 }
  const counts = { errors: 0, warnings: 0, notes: 0 }
  let passed = true
  for (const result of results) {
    if (result.status === 'valid' || result.status === 'suppressed') summary.valid++
    else if (result.status === 'invalid') summary.invalid++
    else if (result.status === 'error') summary.errors++
    else summary.skipped++
    for (const finding of result.findings) {
      if (!isActive(finding)) continue
      if (finding.severity === 'error') counts.errors++
      else if (finding.severity === 'warning') counts.warnings++
      else counts.notes++
      if (atOrAbove(finding.severity, failOn)) passed = false
    }
  }
  return { resources: results, summary, counts, failOn, passed, inputErrors }
}
