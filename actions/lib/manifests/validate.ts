import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { oneLine, UsageError } from '../errors'
import type { CommandRunner, Logger } from '../ports'
import { type CustomResourceSchema, customResourceSchemas } from './custom-resources'
import { normalizeDocument } from './document-shape'
import { displayPath, type InputText, manifestFiles, readInput } from './input-files'
import { type KustomizeRendering, renderKustomization } from './kustomize'
import { type DisruptionBudget, disruptionBudgetOf, policyViolations } from './policy-evaluation'
import { loadPolicyPack } from './policy-pack'
import { type Anchor, DocumentPositions, type SourcePosition } from './positions'
import {
  atOrAbove,
  type Finding,
  isActive,
  type ResourceResult,
  type Severity,
  type ValidationReport,
} from './report'
import { type KubernetesVersion, loadSchemaBundle } from './schema-bundle'
import { fetchSchema, locateSchema, type SchemaFetcher } from './schema-locations'
import { SchemaRegistry } from './schema-registry'
import { type DocumentChunk, parseChunk, splitDocuments } from './yaml-documents'

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
}

type KubeObject = Record<string, unknown>

/** Maps a finding inside a document to a place a user can open. */
interface DocumentLocator {
  locate(pointer: string, anchor: Anchor): { file: string } & SourcePosition
  resourceStart(pointer: string): { file: string } & SourcePosition
}

/** A resource waiting for schema and policy checks (policy needs every PodDisruptionBudget first). */
interface PendingResource {
  object: KubeObject
  /** Pointer of the resource inside its document (`/items/3` for a List item). */
  base: string
  result: ResourceResult
  locator: () => DocumentLocator
  /** Findings before positioning (parse problems already positioned). */
  early: Finding[]
}

function isRecord(value: unknown): value is KubeObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The line and column where a chunk's first node starts, without building an AST. */
function firstContent(chunk: DocumentChunk): { line: number; column: number } {
  const text = chunk.text
  let start = 0
  for (let index = 0; start < text.length && index < 10_000; index++) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    let column = start
    while (text.charCodeAt(column) === 32) column++
    const char = text[column]
    const blank = column >= end || char === '\r' || char === '#' || char === '%'
    if (!blank) {
      const line = text.slice(start, end)
      if (!/^---(\s|$)/.test(line))
        return { line: chunk.startLine + index + 1, column: column - start + 1 }
      const rest = line.slice(3).trimStart()
      if (rest !== '' && !rest.startsWith('#')) {
        return { line: chunk.startLine + index + 1, column: line.length - rest.length + 1 }
      }
    }
    start = end + 1
  }
  return { line: chunk.startLine + 1, column: 1 }
}

function plainLocator(file: string, chunk: DocumentChunk): () => DocumentLocator {
  let positions: DocumentPositions | undefined
  return () => {
    positions ??= new DocumentPositions(chunk.text)
    const document = positions
    return {
      locate(pointer, anchor) {
        const { line, column } = document.locate(pointer, anchor)
        return { file, line: chunk.startLine + line, column }
      },
      resourceStart(pointer) {
        const { line, column } = document.locate(pointer, 'value')
        return { file, line: chunk.startLine + line, column }
      },
    }
  }
}

async function loadCustomResources(
  paths: readonly string[],
  cwd: string,
): Promise<CustomResourceSchema[]> {
  const schemas: CustomResourceSchema[] = []
  for (const path of paths) {
    if (!existsSync(resolve(cwd, path))) {
      throw new UsageError(
        `--crd '${path}' does not exist (expected a CRD file or a directory of them)`,
      )
    }
    for (const file of manifestFiles([path], cwd)) {
      const input = readInput(file, cwd)
      if (input.text === undefined) throw new UsageError(`--crd ${input.file}: ${input.error}`)
      for (const chunk of splitDocuments(input.text)) {
        const parsed = parseChunk(chunk, false)
        if (!parsed.usable) {
          const problem = parsed.problems[0]
          throw new UsageError(
            `--crd ${input.file}:${chunk.startLine + (problem?.line ?? 0) + 1}: ${problem?.message ?? 'unreadable'}`,
          )
        }
        schemas.push(...customResourceSchemas(parsed.value, input.file))
      }
    }
  }
  return schemas
}

/**
 * Validates Kubernetes manifests against the bundled schemas of one Kubernetes version, the
 * given CRDs and a policy pack, and positions every finding in the file a user edits.
 */
export async function validateManifests(
  options: ValidateOptions,
  ports: ValidatePorts,
): Promise<ValidationReport> {
  const { cwd, strict } = options
  const pack = loadPolicyPack(options.policy, cwd)
  const customResources = await loadCustomResources(options.crds, cwd)
  const registry = new SchemaRegistry(
    await loadSchemaBundle(options.kubernetesVersion),
    strict,
    customResources,
  )
  const skip = new Set(options.skip)
  const results: ResourceResult[] = []
  const pending: PendingResource[] = []
  const budgets: DisruptionBudget[] = []
  let inputErrors = 0

  const inputError = (file: string, rule: string, message: string) => {
    inputErrors++
    results.push({
      file,
      line: 1,
      column: 1,
      apiVersion: '',
      kind: '',
      name: '',
      namespace: '',
      status: 'error',
      findings: [{ rule, severity: 'error', message, path: '', file, line: 1, column: 1 }],
    })
  }

  const addDocument = (
    file: string,
    chunk: DocumentChunk,
    locatorFor: () => DocumentLocator,
    startOf: (pointer: string) => { file: string } & SourcePosition,
    /** Whether the document's own text is what users edit (false for rendered overlays). */
    plainText: boolean,
  ) => {
    const parsed = parseChunk(chunk, strict)
    if (parsed.empty && parsed.problems.length === 0) return
    const early: Finding[] = parsed.problems.map((problem) => {
      // Syntax problems are positioned in the text itself.
      // An error at the end of input (an unclosed bracket) is placed on the document's last line.
      const lastLine = chunk.text.replace(/\n+$/, '').split('\n').length - 1
      const line = Math.min(problem.line, lastLine)
      const column = line < problem.line ? 1 : problem.column + 1
      const located = { file, line: chunk.startLine + line + 1, column }
      return {
        rule: problem.rule,
        severity: 'error',
        message: problem.message,
        path: '',
        ...located,
      }
    })
    // The first line of a plain document is found without an AST; rendered ones map back.
    const start = () => (plainText ? { file, ...firstContent(chunk) } : startOf(''))
    const errorEntry = (findings: Finding[], object?: KubeObject) => {
      const metadata = isRecord(object?.metadata) ? object.metadata : {}
      const at = start()
      results.push({
        file: at.file,
        line: at.line,
        column: at.column,
        apiVersion: str(object?.apiVersion),
        kind: str(object?.kind),
        name: str(metadata.name),
        namespace: str(metadata.namespace),
        status: 'error',
        findings,
      })
    }
    if (!parsed.usable) return errorEntry(early)
    const value = parsed.value
    const shape = normalizeDocument(value)
    if (shape) {
      const first = start()
      return errorEntry([{ ...shape, severity: 'error', path: '', ...first }])
    }
    if (!isRecord(value)) {
      const first = start()
      const got = Array.isArray(value) ? 'a list' : `a ${typeof value}`
      return errorEntry([
        {
          rule: 'not-a-resource',
          severity: 'error',
          message: `document is ${got}, not a mapping with apiVersion and kind`,
          path: '',
          ...first,
        },
      ])
    }
    const listItems =
      typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)
        ? value.items
        : undefined
    if (listItems) {
      listItems.forEach((item, index) => {
        const base = `/items/${index}`
        const position = () => startOf(base)
        addResource(item, base, position, locatorFor, index === 0 ? early : [])
      })
      if (listItems.length === 0 && early.length > 0) errorEntry(early, value)
      return
    }
    addResource(value, '', start, locatorFor, early)
  }

  const addResource = (
    value: unknown,
    base: string,
    start: () => { file: string } & SourcePosition,
    locator: () => DocumentLocator,
    early: Finding[],
  ) => {
    const object = isRecord(value) ? value : {}
    const metadata = isRecord(object.metadata) ? object.metadata : {}
    const at = start()
    const result: ResourceResult = {
      file: at.file,
      line: at.line,
      column: at.column,
      apiVersion: str(object.apiVersion),
      kind: str(object.kind),
      name: str(metadata.name),
      namespace: str(metadata.namespace),
      status: 'valid',
      findings: [...early],
    }
    results.push(result)
    if (!isRecord(value) || !result.apiVersion || !result.kind) {
      const missing = !isRecord(value)
        ? 'is not a mapping'
        : [!result.apiVersion && 'apiVersion', !result.kind && 'kind'].filter(Boolean).join(' and ')
      const place = locator().locate(base, 'value')
      result.findings.push({
        rule: 'not-a-resource',
        severity: 'error',
        message: isRecord(value) ? `missing ${missing}` : `list item ${missing}`,
        path: base,
        ...place,
      })
      result.status = 'error'
      return
    }
    const budget = disruptionBudgetOf(object)
    if (budget) budgets.push(budget)
    pending.push({ object, base, result, locator, early })
  }

  // Input files and stdin.
  for (const path of options.paths) {
    let input: InputText
    if (path === '-') {
      input = { file: '-', text: options.stdin ?? '' }
    } else {
      const files = manifestFiles([path], cwd)
      for (const file of files) {
        input = readInput(file, cwd)
        if (input.text === undefined) {
          inputError(input.file, 'unreadable-input', input.error ?? 'cannot read file')
          continue
        }
        addText(input.file, input.text)
      }
      continue
    }
    addText(input.file, input.text ?? '')
  }

  function addText(file: string, text: string) {
    for (const chunk of splitDocuments(text)) {
      const locator = plainLocator(file, chunk)
      addDocument(file, chunk, locator, (pointer) => locator().resourceStart(pointer), true)
    }
  }

  // Kustomize overlays: rendered, validated, and positioned back in the overlay's files.
  for (const directory of options.kustomize) {
    let rendering: KustomizeRendering
    try {
      rendering = await renderKustomization(directory, cwd, ports.runner)
    } catch (error) {
      if (error instanceof UsageError) throw error
      inputError(displayPath(directory, cwd), 'kustomize-build', oneLine(error))
      continue
    }
    for (const chunk of splitDocuments(rendering.text)) {
      let mapped: DocumentLocator | undefined
      const locator = () => {
        mapped ??= rendering.locatorFor(chunk)
        return mapped
      }
      addDocument(
        rendering.file,
        chunk,
        locator,
        (pointer) => locator().resourceStart(pointer),
        false,
      )
    }
  }

  const locationMisses = new Map<string, string>()
  if (options.schemaLocations && options.schemaLocations.length > 0) {
    const wanted = new Map<string, [string, string]>()
    for (const { result } of pending) {
      if (skip.has(result.kind) || registry.lookup(result.apiVersion, result.kind).found) continue
      wanted.set(`${result.apiVersion}|${result.kind}`, [result.apiVersion, result.kind])
    }
    for (const [key, [apiVersion, kind]] of wanted) {
      const located = await locateSchema(apiVersion, kind, {
        templates: options.schemaLocations,
        kubernetesRelease: options.kubernetesRelease ?? options.kubernetesVersion,
        strict,
        cwd,
        cacheDir: options.schemaCacheDir ?? join(homedir(), '.cache', 'golden-path', 'schemas'),
        fetcher: ports.fetcher ?? fetchSchema,
      })
      if (located.found) {
        ports.logger.debug(`schema for ${apiVersion} ${kind}: ${located.source}`)
        registry.addLocated(apiVersion, kind, located.schema)
      } else locationMisses.set(key, located.reason)
    }
  }

  for (const entry of pending) checkResource(entry)

  function checkResource(entry: PendingResource) {
    const { object, result, base } = entry
    // Kustomization and Component files are build instructions with no API-server schema.
    if (skip.has(result.kind) || result.apiVersion.startsWith('kustomize.config.k8s.io/')) {
      result.status = 'skipped'
      return
    }
    const lookup = registry.lookup(result.apiVersion, result.kind)
    type Raw = { rule: string; severity: Severity; message: string; path: string; anchor: Anchor }
    const raw: Raw[] = []
    if (!lookup.found) {
      if (options.ignoreMissingSchemas) {
        result.status = result.findings.length > 0 ? 'error' : 'skipped'
        return
      }
      raw.push({
        rule: 'missing-schema',
        severity: 'error',
        message: locationMisses.get(`${result.apiVersion}|${result.kind}`) ?? lookup.reason,
        path: '',
        anchor: 'value',
      })
    } else {
      for (const violation of lookup.validate(object)) raw.push({ ...violation, severity: 'error' })
    }
    if (pack && lookup.found) {
      for (const violation of policyViolations(pack, object, budgets)) {
        raw.push({ ...violation, anchor: 'value' })
      }
    }
    if (raw.length > 0) {
      const locator = entry.locator()
      const annotations =
        isRecord(object.metadata) && isRecord(object.metadata.annotations)
          ? object.metadata.annotations
          : {}
      for (const finding of raw) {
        const place = locator.locate(base + finding.path, finding.anchor)
        const positioned: Finding = {
          rule: finding.rule,
          severity: finding.severity,
          message: finding.message,
          path: finding.path,
          ...place,
        }
        const suppression = annotations[`golden-path.dev/ignore-${finding.rule}`]
        if (suppression !== undefined) {
          if (typeof suppression === 'string' && suppression.trim() !== '') {
            positioned.suppressed = true
            positioned.reason = suppression.trim()
          } else {
            result.findings.push({
              rule: 'suppression-reason',
              severity: 'error',
              message: `annotation golden-path.dev/ignore-${finding.rule} needs a reason as its value`,
              path: `/metadata/annotations/golden-path.dev~1ignore-${finding.rule}`,
              ...locator.locate(
                `${base}/metadata/annotations/golden-path.dev~1ignore-${finding.rule}`,
                'value',
              ),
            })
          }
        }
        result.findings.push(positioned)
      }
    }
    result.status = statusOf(result, lookup.found, options.failOn)
  }

  return summarize(results, options.failOn, inputErrors)
}

function statusOf(
  result: ResourceResult,
  schemaFound: boolean,
  failOn: Severity,
): ResourceResult['status'] {
  const active = result.findings.filter(isActive)
  if (
    !schemaFound ||
    active.some((finding) => finding.rule.startsWith('yaml-') || finding.rule === 'missing-schema')
  ) {
    return 'error'
  }
  if (active.some((finding) => atOrAbove(finding.severity, failOn))) return 'invalid'
  if (result.findings.some((finding) => !isActive(finding))) return 'suppressed'
  return 'valid'
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
