import { UsageError } from '../errors'
import { DocumentPositions } from '../manifests/positions'
import { parseChunk, splitDocuments } from '../manifests/yaml-documents'
import { checkQueryTemplate } from './query-template'

/** An SLI counted as bad events over all events, each query using `{{.window}}`. */
export interface EventsSli {
  errorQuery: string
  totalQuery: string
}

/** An SLI whose query already returns the error ratio (0–1) over `{{.window}}`. */
export interface RawSli {
  errorRatioQuery: string
}

export interface AlertSettings {
  disable: boolean
  labels: Record<string, string>
  annotations: Record<string, string>
}

export interface Alerting {
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
  pageAlert: AlertSettings
  ticketAlert: AlertSettings
}

export interface ServiceLevelObjective {
  name: string
  description: string
  /** Percent of good events, in (0, 100]. */
  objective: number
  labels: Record<string, string>
  sli: { events: EventsSli; raw?: undefined } | { raw: RawSli; events?: undefined }
  alerting: Alerting
}

/** A sloth `prometheus/v1` spec: one service and its SLOs. */
export interface SloSpec {
  version: 'prometheus/v1'
  service: string
  labels: Record<string, string>
  slos: ServiceLevelObjective[]
}

export interface SpecProblem {
  line: number
  column: number
  message: string
}

/** A spec that cannot be used; every problem is at its file, line and column. */
export class SloSpecError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: SpecProblem[],
  ) {
    const [first] = problems
    const others = problems.length - 1
    const more = others > 0 ? ` (and ${others} more problem${others === 1 ? '' : 's'})` : ''
    super(`${file}:${first.line}:${first.column}: ${first.message}${more}`)
    this.name = 'SloSpecError'
  }

  /** Every problem, one `file:line:column: message` line each. */
  lines(): string[] {
    return this.problems.map(
      (problem) => `${this.file}:${problem.line}:${problem.column}: ${problem.message}`,
    )
  }
}

export const specVersion = 'prometheus/v1'

// sloth's naming rule for services and SLOs (they become rule group names and label values).
const namePattern = /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/

const knownKeys = {
  root: ['version', 'service', 'labels', 'slo_plugins', 'slos'],
  slo: ['name', 'description', 'objective', 'plugins', 'labels', 'sli', 'alerting'],
  sli: ['raw', 'events', 'plugin'],
  raw: ['error_ratio_query'],
  events: ['error_query', 'total_query'],
  alerting: ['name', 'labels', 'annotations', 'page_alert', 'ticket_alert'],
  alert: ['disable', 'labels', 'annotations'],
  plugins: ['overridePrevious', 'chain'],
} as const

type Json = Record<string, unknown>

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Reads a sloth `prometheus/v1` spec. Stricter than sloth where sloth would silently ignore a
 * mistake (an unknown key, a misspelt `error_query`), and the same where sloth refuses (names,
 * objective range, `{{.window}}`, alert names). Throws SloSpecError listing every problem.
 */
export function parseSloSpec(text: string, file: string): SloSpec {
  const chunks = splitDocuments(text).filter((chunk) => chunk.text.trim() !== '')
  if (chunks.length === 0)
    throw new SloSpecError(file, [
      {
        line: 1,
        column: 1,
        message: 'the spec is empty: expected version: "prometheus/v1", service and slos',
      },
    ])
  const [chunk] = chunks
  if (chunks.length > 1) {
    throw new SloSpecError(file, [
      {
        line: chunks[1].startLine + 1,
        column: 1,
        message: 'one spec per file: move each further --- document into a file of its own',
      },
    ])
  }
  const parsed = parseChunk(chunk, true)
  if (parsed.problems.length > 0 || !parsed.usable) {
    throw new SloSpecError(
      file,
      parsed.problems.map((problem) => ({
        line: chunk.startLine + problem.line + 1,
        column: problem.column + 1,
        message: `YAML: ${problem.message}`,
      })),
    )
  }
  const positions = new DocumentPositions(chunk.text)
  const problems: SpecProblem[] = []
  const report = (pointer: string, message: string, anchor: 'key' | 'value' = 'value') => {
    const at = positions.locate(pointer, anchor)
    problems.push({ line: chunk.startLine + at.line, column: at.column, message })
  }
  const spec = readSpec(parsed.value, report)
  if (problems.length > 0 || spec === undefined) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column)
    throw new SloSpecError(file, problems)
  }
  return spec
}

type Report = (pointer: string, message: string, anchor?: 'key' | 'value') => void

function unknownKeys(value: Json, pointer: string, allowed: readonly string[], report: Report) {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      report(
        `${pointer}/${key}`,
        `unknown key '${key}' (expected one of ${allowed.join(', ')})`,
        'key',
      )
    }
  }
}

function stringMap(
  value: unknown,
  pointer: string,
  what: string,
  report: Report,
): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (!isRecord(value)) {
    report(pointer, `${what} must be a map of names to strings`)
    return {}
  }
  const result: Record<string, string> = {}
  for (const [key, entry] of Object.entries(value)) {
    if (key === '' || key === '__name__') {
      report(`${pointer}/${key}`, `${what} name '${key}' is not allowed`, 'key')
    } else if (typeof entry !== 'string') {
      report(`${pointer}/${key}`, `${what} '${key}' must be a string: quote the value`)
    } else if (entry === '') {
      report(`${pointer}/${key}`, `${what} '${key}' has an empty value: give it one or remove it`)
    } else {
      result[key] = entry
    }
  }
  return result
}

function readSpec(document: unknown, report: Report): SloSpec | undefined {
  if (!isRecord(document)) {
    report('', 'the spec must be a map with version: "prometheus/v1", service and slos')
    return undefined
  }
  unknownKeys(document, '', knownKeys.root, report)
  if (document.version !== specVersion) {
    report(
      '/version',
      document.version === undefined
        ? `missing version: add version: "${specVersion}"`
        : `unsupported version '${String(document.version)}': expected "${specVersion}" (sloth's Prometheus spec)`,
    )
  }
  const service = document.service
  if (typeof service !== 'string' || !namePattern.test(service)) {
    report(
      '/service',
      service === undefined
        ? 'missing service: name the service the SLOs belong to'
        : `invalid service '${String(service)}': letters, digits, '.', '_' and '-', starting and ending with a letter or digit`,
    )
  }
  const labels = stringMap(document.labels, '/labels', 'label', report)
  refusePlugins(document.slo_plugins, '/slo_plugins', report)
  const slos: ServiceLevelObjective[] = []
  if (!Array.isArray(document.slos) || document.slos.length === 0) {
    report('/slos', 'no SLOs: add at least one entry under slos')
  } else {
    const seen = new Set<string>()
    document.slos.forEach((entry, index) => {
      const slo = readSlo(entry, `/slos/${index}`, report)
      if (slo === undefined) return
      if (seen.has(slo.name)) report(`/slos/${index}/name`, `SLO '${slo.name}' is defined twice`)
      seen.add(slo.name)
      slos.push(slo)
    })
  }
  return { version: specVersion, service: String(service), labels, slos }
}

function refusePlugins(value: unknown, pointer: string, report: Report) {
  if (value === undefined || value === null) return
  if (!isRecord(value)) {
    report(pointer, 'plugins must be a map with chain and overridePrevious')
    return
  }
  unknownKeys(value, pointer, knownKeys.plugins, report)
  const chain = value.chain
  if ((Array.isArray(chain) && chain.length > 0) || value.overridePrevious === true) {
    report(
      pointer,
      'SLO plugins run inside sloth and change its rules; golden-path generates sloth’s default rules only: remove the plugins, or generate this spec with sloth itself',
    )
  }
}

function readSlo(
  entry: unknown,
  pointer: string,
  report: Report,
): ServiceLevelObjective | undefined {
  if (!isRecord(entry)) {
    report(pointer, 'each SLO must be a map with name, objective, sli and alerting')
    return undefined
  }
  unknownKeys(entry, pointer, knownKeys.slo, report)
  const name = entry.name
  if (typeof name !== 'string' || !namePattern.test(name)) {
    report(
      name === undefined ? pointer : `${pointer}/name`,
      name === undefined
        ? 'missing name: every SLO needs one'
        : `invalid SLO name '${String(name)}': letters, digits, '.', '_' and '-', starting and ending with a letter or digit`,
    )
  }
  const objective = entry.objective
  if (typeof objective !== 'number' || !Number.isFinite(objective)) {
    report(
      objective === undefined ? pointer : `${pointer}/objective`,
      objective === undefined
        ? 'missing objective: the target percentage, e.g. 99.9'
        : `objective must be a number, e.g. 99.9 (got '${String(objective)}')`,
    )
  } else if (objective <= 0 || objective > 100) {
    report(
      `${pointer}/objective`,
      `objective ${objective} is out of range: a percentage greater than 0 and at most 100, e.g. 99.9`,
    )
  }
  const description = entry.description
  if (description !== undefined && description !== null && typeof description !== 'string') {
    report(`${pointer}/description`, 'description must be a string')
  }
  const labels = stringMap(entry.labels, `${pointer}/labels`, 'label', report)
  refusePlugins(entry.plugins, `${pointer}/plugins`, report)
  const sli = readSli(entry.sli, `${pointer}/sli`, pointer, report)
  const alerting = readAlerting(entry.alerting, `${pointer}/alerting`, pointer, report)
  if (sli === undefined || alerting === undefined) return undefined
  return {
    name: String(name),
    description: typeof description === 'string' ? description : '',
    objective: Number(objective),
    labels,
    sli,
    alerting,
  }
}

function readQuery(container: Json, key: string, pointer: string, report: Report): string {
  const query = container[key]
  if (typeof query !== 'string' || query.trim() === '') {
    report(
      query === undefined ? pointer : `${pointer}/${key}`,
      query === undefined ? `missing ${key}` : `${key} must be a PromQL query`,
    )
    return ''
  }
  const problem = checkQueryTemplate(query)
  if (problem !== undefined) report(`${pointer}/${key}`, `${key}: ${problem}`)
  return query
}

function readSli(
  value: unknown,
  pointer: string,
  parent: string,
  report: Report,
): ServiceLevelObjective['sli'] | undefined {
  if (value === undefined || value === null) {
    report(
      parent,
      'missing sli: give sli.events (error_query and total_query) or sli.raw (error_ratio_query)',
    )
    return undefined
  }
  if (!isRecord(value)) {
    report(pointer, 'sli must be a map with events or raw')
    return undefined
  }
  unknownKeys(value, pointer, knownKeys.sli, report)
  if (value.plugin !== undefined) {
    report(
      `${pointer}/plugin`,
      'SLI plugins are Go code sloth loads at run time, which golden-path cannot run: write the SLI as sli.events or sli.raw (the query the plugin would produce)',
      'key',
    )
    return undefined
  }
  const kinds = ['events', 'raw'].filter(
    (kind) => value[kind] !== undefined && value[kind] !== null,
  )
  if (kinds.length !== 1) {
    report(
      pointer,
      kinds.length === 0
        ? 'sli needs events (error_query and total_query) or raw (error_ratio_query)'
        : 'sli has both events and raw: keep one',
    )
    return undefined
  }
  const body = value[kinds[0]]
  const at = `${pointer}/${kinds[0]}`
  if (!isRecord(body)) {
    report(at, `sli.${kinds[0]} must be a map`)
    return undefined
  }
  if (kinds[0] === 'raw') {
    unknownKeys(body, at, knownKeys.raw, report)
    return { raw: { errorRatioQuery: readQuery(body, 'error_ratio_query', at, report) } }
  }
  unknownKeys(body, at, knownKeys.events, report)
  const errorQuery = readQuery(body, 'error_query', at, report)
  const totalQuery = readQuery(body, 'total_query', at, report)
  if (errorQuery !== '' && errorQuery === totalQuery) {
    report(
      `${at}/total_query`,
      'error_query and total_query are the same query: the error ratio would always be 1',
    )
  }
  return { events: { errorQuery, totalQuery } }
}

function readAlert(value: unknown, pointer: string, report: Report): AlertSettings {
  if (value === undefined || value === null) return { disable: false, labels: {}, annotations: {} }
  if (!isRecord(value)) {
    report(pointer, 'an alert must be a map with disable, labels and annotations')
    return { disable: false, labels: {}, annotations: {} }
  }
  unknownKeys(value, pointer, knownKeys.alert, report)
  if (value.disable !== undefined && typeof value.disable !== 'boolean') {
    report(`${pointer}/disable`, 'disable must be true or false')
  }
  return {
    disable: value.disable === true,
    labels: stringMap(value.labels, `${pointer}/labels`, 'label', report),
    annotations: stringMap(value.annotations, `${pointer}/annotations`, 'annotation', report),
  }
}

function readAlerting(
  value: unknown,
  pointer: string,
  parent: string,
  report: Report,
): Alerting | undefined {
  const alerting = value === undefined || value === null ? {} : value
  if (!isRecord(alerting)) {
    report(
      pointer,
      'alerting must be a map with name, labels, annotations, page_alert and ticket_alert',
    )
    return undefined
  }
  unknownKeys(alerting, pointer, knownKeys.alerting, report)
  const pageAlert = readAlert(alerting.page_alert, `${pointer}/page_alert`, report)
  const ticketAlert = readAlert(alerting.ticket_alert, `${pointer}/ticket_alert`, report)
  const name = alerting.name
  const needsName = !pageAlert.disable || !ticketAlert.disable
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    report(`${pointer}/name`, 'alerting.name must be the alert name, e.g. MyServiceHighErrorRate')
  } else if (name === undefined && needsName) {
    report(
      value === undefined || value === null ? parent : pointer,
      'missing alerting.name: the page and ticket alerts need a name (or disable both)',
      'key',
    )
  }
  return {
    name: typeof name === 'string' ? name : '',
    labels: stringMap(alerting.labels, `${pointer}/labels`, 'label', report),
    annotations: stringMap(alerting.annotations, `${pointer}/annotations`, 'annotation', report),
    pageAlert,
    ticketAlert,
  }
}
