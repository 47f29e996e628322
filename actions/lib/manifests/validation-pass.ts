import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { UsageError } from '../errors'
import { type CustomResourceSchema, customResourceSchemas } from './custom-resources'
import { normalizeDocument } from './document-shape'
import { manifestFiles, readInput } from './input-files'
import { yaml11BooleanHint } from './kubernetes-yaml'
import type { KustomizeRendering } from './kustomize'
import { type DisruptionBudget, disruptionBudgetOf, policyViolations } from './policy-evaluation'
import { loadPolicyPack, type PolicyCondition, type PolicyPack } from './policy-pack'
import { type Anchor, DocumentPositions, type SourcePosition } from './positions'
import { atOrAbove, type Finding, isActive, type ResourceResult, type Severity } from './report'
import { type JsonSchema, type KubernetesVersion, loadSchemaBundle } from './schema-bundle'
import { SchemaRegistry } from './schema-registry'
import type { SchemaViolation } from './schema-validator'
import { wellKnownCustomResources } from './well-known-crds'
import { type DocumentChunk, parseChunk, splitDocuments } from './yaml-documents'

/**
 * The settings every thread of a run reads its share of the input with. Plain data, so that it
 * can be handed to a worker thread as it is.
 */
export interface PassSettings {
  cwd: string
  kubernetesVersion: KubernetesVersion
  strict: boolean
  /** CRD files or directories. */
  crds: string[]
  /** `golden-path`, `none` or a policy pack file. */
  policy: string
  failOn: Severity
  ignoreMissingSchemas: boolean
  /** Kinds not validated (reported as skipped). */
  skip: string[]
}

/** What a thread loads once before reading documents: the policy pack and the schemas. */
export interface PassContext {
  settings: PassSettings
  pack: PolicyPack | undefined
  /** The pack cut into the rules that can run while reading and those that wait. */
  stages: PolicyStage[]
  registry: SchemaRegistry
  skip: Set<string>
}

type KubeObject = Record<string, unknown>

type Located = { file: string } & SourcePosition

/** Maps a finding inside a document to a place a user can open. */
interface DocumentPlace {
  locate(pointer: string, anchor: Anchor): Located
  /** The plain word written at a value, when one is (`yes` in `enabled: yes`). */
  plainWord(pointer: string): string | undefined
  /** Where the resource at `pointer` starts (`''` for the document itself). */
  start(pointer: string): Located
}

/** A finding before it is positioned in the file. */
interface RawFinding {
  rule: string
  severity: Severity
  message: string
  path: string
  anchor: Anchor
}

/**
 * A resource whose checks wait for the end of reading: its kind had no schema yet (a schema
 * location may supply one), or a policy rule needs every PodDisruptionBudget of the run.
 */
interface PendingResource {
  object: KubeObject
  /** Pointer of the resource inside its document (`/items/3` for a List item). */
  base: string
  result: ResourceResult
  place: DocumentPlace
  /** Findings found while reading: schema violations, then policy stages that ran. */
  schema?: RawFinding[]
  /** Violations per policy stage; undefined for the stages that wait for the budgets. */
  stages?: (RawFinding[] | undefined)[]
}

/**
 * A run of consecutive policy rules that either can run as soon as a resource is read or need
 * every PodDisruptionBudget of the run first. Keeping the pack's order keeps findings in rule
 * order whichever stage produced them.
 */
interface PolicyStage {
  pack: PolicyPack
  needsBudgets: boolean
  /** Kinds the stage's rules apply to; undefined when some rule applies to every kind. */
  kinds?: Set<string>
}

function needsBudgets(condition: PolicyCondition | undefined): boolean {
  if (!condition) return false
  if ('all' in condition) return condition.all.some(needsBudgets)
  if ('any' in condition) return condition.any.some(needsBudgets)
  if ('not' in condition) return needsBudgets(condition.not)
  return 'podDisruptionBudget' in condition
}

function policyStages(pack: PolicyPack | undefined): PolicyStage[] {
  const stages: PolicyStage[] = []
  for (const rule of pack?.rules ?? []) {
    const waits = needsBudgets(rule.when) || needsBudgets(rule.require)
    let stage = stages.at(-1)
    if (!stage || stage.needsBudgets !== waits) {
      stage = { pack: { name: pack?.name ?? '', rules: [] }, needsBudgets: waits, kinds: new Set() }
      stages.push(stage)
    }
    stage.pack.rules.push(rule)
    if (!rule.kinds) stage.kinds = undefined
    else for (const kind of rule.kinds) stage.kinds?.add(kind)
  }
  return stages
}

/**
 * `enabled: yes` where a string belongs: Kubernetes reads the word as a boolean (YAML 1.1), a
 * classic mistake that deserves a message naming the word and the fix.
 */
function booleanWordMessage(
  finding: RawFinding,
  base: string,
  place: DocumentPlace,
): string | undefined {
  if (finding.rule !== 'schema-type' || !finding.message.endsWith('got boolean')) return undefined
  const word = place.plainWord(base + finding.path)
  const expected = /^expected (.*), got boolean$/.exec(finding.message)?.[1] ?? 'string'
  return word === undefined ? undefined : yaml11BooleanHint(word, expected)
}

function schemaFindings(violations: readonly SchemaViolation[]): RawFinding[] {
  return violations.map((violation) => ({ ...violation, severity: 'error' }))
}

function policyFindings(
  stage: PolicyStage,
  object: KubeObject,
  budgets: readonly DisruptionBudget[],
): RawFinding[] {
  return policyViolations(stage.pack, object, budgets).map((violation) => ({
    ...violation,
    anchor: 'value',
  }))
}

/** The results one input file contributed, as a slice of its pass's results. */
export interface FileSlice {
  /** Index of the file in the run's file list. */
  file: number
  start: number
  end: number
}

function isRecord(value: unknown): value is KubeObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** Whether `text` has a `---` document marker at `start` (followed by a blank or line end). */
function isMarker(text: string, start: number): boolean {
  if (text.charCodeAt(start) !== 45 || !text.startsWith('---', start)) return false
  const next = text.charCodeAt(start + 3)
  return Number.isNaN(next) || next === 10 || next === 13 || next === 32 || next === 9
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
    const char = text.charCodeAt(column)
    // Blank lines, comments and directives (`#`, `%`) come before the first node.
    const blank = column >= end || char === 13 || char === 35 || char === 37
    if (!blank) {
      if (column > start || !isMarker(text, start)) {
        return { line: chunk.startLine + index + 1, column: column - start + 1 }
      }
      // Content may follow the marker on its own line (`--- !tag` or `--- {a: 1}`).
      let rest = start + 3
      while (text.charCodeAt(rest) === 32 || text.charCodeAt(rest) === 9) rest++
      const after = text.charCodeAt(rest)
      if (rest < end && after !== 35 && after !== 13) {
        return { line: chunk.startLine + index + 1, column: rest - start + 1 }
      }
    }
    start = end + 1
  }
  return { line: chunk.startLine + 1, column: 1 }
}

/** A document of a file users edit: positions come from its own text, built on first need. */
class PlainDocument implements DocumentPlace {
  private positions: DocumentPositions | undefined

  constructor(
    private readonly file: string,
    private readonly chunk: DocumentChunk,
  ) {}

  locate(pointer: string, anchor: Anchor): Located {
    this.positions ??= new DocumentPositions(this.chunk.text)
    const { line, column } = this.positions.locate(pointer, anchor)
    return { file: this.file, line: this.chunk.startLine + line, column }
  }

  plainWord(pointer: string): string | undefined {
    this.positions ??= new DocumentPositions(this.chunk.text)
    const { line, column } = this.positions.locate(pointer, 'value')
    let start = 0
    for (let at = 1; at < line && start !== -1; at++)
      start = this.chunk.text.indexOf('\n', start) + 1
    if (start === 0 && line > 1) return undefined
    const word = /^[A-Za-z]+(?=$|[\s,\]}])/.exec(
      this.chunk.text.slice(start + column - 1, start + column + 8),
    )
    return word?.[0]
  }

  start(pointer: string): Located {
    // The document's first line is found without an AST.
    if (pointer === '') return { file: this.file, ...firstContent(this.chunk) }
    return this.locate(pointer, 'value')
  }
}

/** A document of a rendered overlay: positions map back to the files it was built from. */
class RenderedDocument implements DocumentPlace {
  private mapped: ReturnType<KustomizeRendering['locatorFor']> | undefined

  constructor(
    private readonly rendering: KustomizeRendering,
    private readonly chunk: DocumentChunk,
  ) {}

  locate(pointer: string, anchor: Anchor): Located {
    return this.locator().locate(pointer, anchor)
  }

  plainWord(): string | undefined {
    // A rendered overlay's words are the renderer's, not the author's.
    return undefined
  }

  start(pointer: string): Located {
    return this.locator().resourceStart(pointer)
  }

  private locator() {
    this.mapped ??= this.rendering.locatorFor(this.chunk)
    return this.mapped
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

/** Loads the policy pack, the CRDs and the schema bundle; bad settings throw UsageError. */
export async function preparePass(settings: PassSettings): Promise<PassContext> {
  const pack = loadPolicyPack(settings.policy, settings.cwd)
  // Given CRDs come last, so that they replace a well-known kind's schema.
  const customResources = [
    ...(await wellKnownCustomResources()),
    ...(await loadCustomResources(settings.crds, settings.cwd)),
  ]
  const registry = new SchemaRegistry(
    await loadSchemaBundle(settings.kubernetesVersion),
    settings.strict,
    customResources,
  )
  return { settings, pack, stages: policyStages(pack), registry, skip: new Set(settings.skip) }
}

/**
 * One thread's share of a validation run. Documents are read and shaped first (`add*`), in
 * order of appearance; the checks run later (`check`) because the policy pack's
 * high-availability rule needs every PodDisruptionBudget of the whole run, wherever it is.
 */
export class ValidationPass {
  readonly results: ResourceResult[] = []
  readonly budgets: DisruptionBudget[] = []
  /** Which results each input file contributed, for merging passes in file order. */
  readonly fileSlices: FileSlice[] = []
  inputErrors = 0
  private readonly pending: PendingResource[] = []

  constructor(private readonly context: PassContext) {}

  /** Reads one manifest file; an unreadable one becomes an `error` entry. */
  addFile(path: string, fileIndex?: number): void {
    const start = this.results.length
    const input = readInput(path, this.context.settings.cwd)
    if (input.text === undefined) {
      this.inputError(input.file, 'unreadable-input', input.error ?? 'cannot read file')
    } else this.addText(input.file, input.text)
    if (fileIndex !== undefined) {
      this.fileSlices.push({ file: fileIndex, start, end: this.results.length })
    }
  }

  addText(file: string, text: string): void {
    for (const chunk of splitDocuments(text)) {
      this.addDocument(file, chunk, new PlainDocument(file, chunk))
    }
  }

  /** Adds a rendered overlay, positioned back in the overlay's files. */
  addRendering(rendering: KustomizeRendering): void {
    for (const chunk of splitDocuments(rendering.text)) {
      this.addDocument(rendering.file, chunk, new RenderedDocument(rendering, chunk))
    }
  }

  inputError(file: string, rule: string, message: string): void {
    this.inputErrors++
    this.results.push({
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

  /** `apiVersion|kind` of every waiting resource that neither the bundle nor a CRD describes. */
  kindsWithoutSchema(): Map<string, [string, string]> {
    const wanted = new Map<string, [string, string]>()
    for (const { result } of this.pending) {
      if (
        this.context.skip.has(result.kind) ||
        this.context.registry.lookup(result.apiVersion, result.kind).found
      )
        continue
      wanted.set(`${result.apiVersion}|${result.kind}`, [result.apiVersion, result.kind])
    }
    return wanted
  }

  /** Adds a schema found at a schema location for a kind the bundle and CRDs lack. */
  addLocatedSchema(apiVersion: string, kind: string, schema: JsonSchema): void {
    this.context.registry.addLocated(apiVersion, kind, schema)
  }

  /**
   * Finishes the checks that waited for the end of reading. `budgets` are the
   * PodDisruptionBudgets of the whole run; `locationMisses` say why a schema location had no
   * schema for a kind.
   */
  check(
    budgets: readonly DisruptionBudget[],
    locationMisses: ReadonlyMap<string, string> = new Map(),
  ): void {
    for (const entry of this.pending) this.checkPending(entry, budgets, locationMisses)
    this.pending.length = 0
  }

  private addDocument(file: string, chunk: DocumentChunk, place: DocumentPlace) {
    const parsed = parseChunk(chunk, this.context.settings.strict)
    if (parsed.empty && parsed.problems.length === 0) return
    const early: Finding[] = []
    // An error at the end of input (an unclosed bracket) is placed on the document's last line;
    // counted once, so a document with many problems is not re-read for each.
    const lastLine =
      parsed.problems.length === 0 ? 0 : chunk.text.replace(/\n+$/, '').split('\n').length - 1
    for (const problem of parsed.problems) {
      // Syntax problems are positioned in the text itself.
      const line = Math.min(problem.line, lastLine)
      const column = line < problem.line ? 1 : problem.column + 1
      early.push({
        rule: problem.rule,
        severity: 'error',
        message: problem.message,
        path: '',
        file,
        line: chunk.startLine + line + 1,
        column,
      })
    }
    if (!parsed.usable) return this.errorEntry(place, early)
    const value = parsed.value
    const shape = normalizeDocument(value)
    if (shape) {
      return this.errorEntry(place, [{ ...shape, severity: 'error', path: '', ...place.start('') }])
    }
    if (!isRecord(value)) {
      const got = Array.isArray(value) ? 'a list' : `a ${typeof value}`
      return this.errorEntry(place, [
        {
          rule: 'not-a-resource',
          severity: 'error',
          message: `document is ${got}, not a mapping with apiVersion and kind`,
          path: '',
          ...place.start(''),
        },
      ])
    }
    const listItems =
      typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)
        ? value.items
        : undefined
    if (listItems) {
      listItems.forEach((item, index) => {
        this.addResource(item, `/items/${index}`, place, index === 0 ? early : [])
      })
      if (listItems.length === 0 && early.length > 0) this.errorEntry(place, early, value)
      return
    }
    this.addResource(value, '', place, early)
  }

  /** A document that holds no checkable resource. */
  private errorEntry(place: DocumentPlace, findings: Finding[], object?: KubeObject) {
    const metadata = isRecord(object?.metadata) ? object.metadata : {}
    const at = place.start('')
    this.results.push({
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

  private addResource(value: unknown, base: string, place: DocumentPlace, early: Finding[]): void {
    const object = isRecord(value) ? value : {}
    const metadata = isRecord(object.metadata) ? object.metadata : {}
    const at = place.start(base)
    const result: ResourceResult = {
      file: at.file,
      line: at.line,
      column: at.column,
      apiVersion: str(object.apiVersion),
      kind: str(object.kind),
      name: str(metadata.name),
      namespace: str(metadata.namespace),
      status: 'valid',
      findings: early.length === 0 ? [] : [...early],
    }
    this.results.push(result)
    if (!isRecord(value) || !result.apiVersion || !result.kind) {
      const missing = !isRecord(value)
        ? 'is not a mapping'
        : [!result.apiVersion && 'apiVersion', !result.kind && 'kind'].filter(Boolean).join(' and ')
      result.findings.push({
        rule: 'not-a-resource',
        severity: 'error',
        message: isRecord(value) ? `missing ${missing}` : `list item ${missing}`,
        path: base,
        ...place.locate(base, 'value'),
      })
      result.status = 'error'
      return
    }
    const budget = disruptionBudgetOf(object)
    if (budget) this.budgets.push(budget)
    if (this.skipped(result)) {
      result.status = 'skipped'
      return
    }
    const lookup = this.context.registry.lookup(result.apiVersion, result.kind)
    if (!lookup.found) {
      this.pending.push({ object, base, result, place })
      return
    }
    // Checks run while the document is at hand (on whichever thread read it), so that most
    // parsed documents can be let go at once; only rules that need every PodDisruptionBudget
    // of the run keep their resource until reading ends.
    const schema = schemaFindings(lookup.validate(object))
    let waits = false
    let found = schema
    const stages: (RawFinding[] | undefined)[] = []
    for (const stage of this.context.stages) {
      if (!stage.needsBudgets) {
        const violations = policyFindings(stage, object, [])
        if (violations.length > 0)
          found = found === schema ? [...schema, ...violations] : [...found, ...violations]
        stages.push(violations)
      } else if (stage.kinds && !stage.kinds.has(result.kind)) stages.push([])
      else {
        waits = true
        stages.push(undefined)
      }
    }
    if (waits) this.pending.push({ object, base, result, place, schema, stages })
    else this.finish(object, base, result, place, true, found)
  }

  private skipped(result: ResourceResult): boolean {
    // Kustomization and Component files are build instructions with no API-server schema.
    return (
      this.context.skip.has(result.kind) || result.apiVersion.startsWith('kustomize.config.k8s.io/')
    )
  }

  private checkPending(
    entry: PendingResource,
    budgets: readonly DisruptionBudget[],
    locationMisses: ReadonlyMap<string, string>,
  ): void {
    const { object, result, base, place } = entry
    if (entry.stages) {
      const raw = [...(entry.schema ?? [])]
      entry.stages.forEach((found, index) => {
        raw.push(...(found ?? policyFindings(this.context.stages[index], object, budgets)))
      })
      this.finish(object, base, result, place, true, raw)
      return
    }
    // No schema while reading: a schema location may have supplied one since.
    const lookup = this.context.registry.lookup(result.apiVersion, result.kind)
    if (!lookup.found) {
      if (this.context.settings.ignoreMissingSchemas) {
        result.status = result.findings.length > 0 ? 'error' : 'skipped'
        return
      }
      const message = locationMisses.get(`${result.apiVersion}|${result.kind}`) ?? lookup.reason
      const missing: RawFinding = {
        rule: 'missing-schema',
        severity: 'error',
        message,
        path: '',
        anchor: 'value',
      }
      this.finish(object, base, result, place, false, [missing])
      return
    }
    const raw = schemaFindings(lookup.validate(object))
    for (const stage of this.context.stages) raw.push(...policyFindings(stage, object, budgets))
    this.finish(object, base, result, place, true, raw)
  }

  /** Positions the findings, applies suppression annotations and sets the status. */
  private finish(
    object: KubeObject,
    base: string,
    result: ResourceResult,
    place: DocumentPlace,
    schemaFound: boolean,
    raw: readonly RawFinding[],
  ): void {
    if (raw.length > 0) {
      const annotations =
        isRecord(object.metadata) && isRecord(object.metadata.annotations)
          ? object.metadata.annotations
          : {}
      for (const finding of raw) {
        const positioned: Finding = {
          rule: finding.rule,
          severity: finding.severity,
          message: booleanWordMessage(finding, base, place) ?? finding.message,
          path: finding.path,
          ...place.locate(base + finding.path, finding.anchor),
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
              ...place.locate(
                `${base}/metadata/annotations/golden-path.dev~1ignore-${finding.rule}`,
                'value',
              ),
            })
          }
        }
        result.findings.push(positioned)
      }
    }
    result.status =
      result.findings.length === 0
        ? schemaFound
          ? 'valid'
          : 'error'
        : statusOf(result, schemaFound, this.context.settings.failOn)
  }
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
