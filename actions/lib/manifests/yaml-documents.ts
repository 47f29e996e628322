import {
  EVENT_ID,
  getScalarValue,
  loadAll,
  parseEvents,
  SCALAR_STYLE,
  YAMLException,
} from 'js-yaml'
import { parseSimpleYaml, UnsupportedYaml } from './fast-yaml'
import { kubernetesPlainScalar, kubernetesSchema } from './kubernetes-yaml'

/** One YAML document of a file, with where it starts so positions count from the file's start. */
export interface DocumentChunk {
  text: string
  /** 0-based line of the chunk's first line in the file. */
  startLine: number
}

/** A problem found while reading a document, positioned inside its chunk (0-based). */
export interface ParseProblem {
  rule: 'yaml-syntax' | 'duplicate-key' | 'document-too-large' | 'nesting-too-deep'
  message: string
  line: number
  column: number
}

export interface ParsedChunk {
  /** undefined when the chunk holds no document or could not be parsed. */
  value: unknown
  empty: boolean
  problems: ParseProblem[]
  /** Whether `value` is usable despite the problems (duplicate keys only). */
  usable: boolean
}

export const maxDocumentBytes = 10 * 1024 * 1024
export const maxNestingDepth = 100

// Documents are read as Kubernetes reads them (go-yaml v2 scalars, merge keys): see
// kubernetes-yaml.ts.
const schema = kubernetesSchema

const separator = /^---(?:[ \t].*)?$/

/**
 * Splits a file at its `---` lines. A `---` at column 0 always starts a new document (block
 * scalar content is indented), so splitting the text is exact and lets one document's syntax
 * error leave the others readable.
 */
export function splitDocuments(text: string): DocumentChunk[] {
  const chunks: DocumentChunk[] = []
  let start = 0
  let startLine = 0
  let line = 0
  let offset = 0
  while (offset <= text.length) {
    let end = text.indexOf('\n', offset)
    if (end === -1) end = text.length
    const content = text.charCodeAt(offset) === 45 ? text.slice(offset, end).replace(/\r$/, '') : ''
    if (content !== '' && separator.test(content) && offset > start) {
      chunks.push({ text: text.slice(start, offset), startLine })
      start = offset
      startLine = line
    }
    offset = end + 1
    line++
  }
  if (start < text.length || chunks.length === 0)
    chunks.push({ text: text.slice(start), startLine })
  return chunks
}

function problemAt(rule: ParseProblem['rule'], error: unknown): ParseProblem {
  if (error instanceof YAMLException) {
    return {
      rule,
      message: error.reason,
      line: error.mark?.line ?? 0,
      column: error.mark?.column ?? 0,
    }
  }
  // A parser that gives up on pathological input (stack overflow) has no position.
  return {
    rule,
    message: error instanceof Error ? error.message : String(error),
    line: 0,
    column: 0,
  }
}

function load(text: string, allowDuplicates: boolean): unknown[] {
  return loadAll(text, { schema, json: allowDuplicates, maxDepth: maxNestingDepth })
}

/**
 * Parses one chunk. In strict mode a duplicate key is reported and the document is then read
 * with the last value winning (as the API server would), so its other findings still appear.
 */
export function parseChunk(chunk: DocumentChunk, strict: boolean): ParsedChunk {
  if (chunk.text.length > maxDocumentBytes) {
    return {
      value: undefined,
      empty: false,
      usable: false,
      problems: [
        {
          rule: 'document-too-large',
          message: `document is larger than ${maxDocumentBytes / 1024 / 1024} MB`,
          line: 0,
          column: 0,
        },
      ],
    }
  }
  try {
    const value = parseSimpleYaml(chunk.text)
    return { value, empty: value === undefined || value === null, usable: true, problems: [] }
  } catch (error) {
    // Anything the fast reader does not handle (or gets wrong) is read by js-yaml below.
    if (!(error instanceof UnsupportedYaml) && !(error instanceof RangeError)) throw error
  }
  const problems: ParseProblem[] = []
  let documents: unknown[]
  try {
    documents = load(chunk.text, !strict)
  } catch (error) {
    const duplicate = error instanceof YAMLException && /duplicated mapping key/.test(error.reason)
    if (!duplicate) {
      const deep = !(error instanceof YAMLException) || /maxDepth/.test(error.reason)
      const problem = problemAt(deep ? 'nesting-too-deep' : 'yaml-syntax', error)
      if (deep) problem.message = `nesting deeper than ${maxNestingDepth} levels`
      return { value: undefined, empty: false, usable: false, problems: [problem] }
    }
    problems.push(...duplicateKeys(chunk.text))
    try {
      documents = load(chunk.text, true)
    } catch (second) {
      return {
        value: undefined,
        empty: false,
        usable: false,
        problems: [problemAt('yaml-syntax', second)],
      }
    }
  }
  const present = documents.filter((document) => document !== null && document !== undefined)
  return { value: present[0], empty: present.length === 0, usable: true, problems }
}

/**
 * Every duplicated key of a chunk (js-yaml stops at the first), in one pass over the parser's
 * events: each mapping keeps the keys it has seen, so the cost grows with the text, not with
 * the number of duplicates.
 */
function duplicateKeys(text: string): ParseProblem[] {
  let events: ReturnType<typeof parseEvents>
  try {
    events = parseEvents(text, { maxDepth: maxNestingDepth })
  } catch {
    return []
  }
  const problems: ParseProblem[] = []
  // For each open collection: the keys of a mapping (undefined for a sequence), and whether
  // the next child of a mapping is a key.
  const keys: (Set<string> | undefined)[] = []
  const atKey: boolean[] = []
  let lineStart = 0
  let line = 0
  const positionOf = (offset: number) => {
    // Events come in source order, so the line count only moves forward.
    for (let next = text.indexOf('\n', lineStart); next !== -1 && next < offset; ) {
      line++
      lineStart = next + 1
      next = text.indexOf('\n', lineStart)
    }
    return { line, column: offset - lineStart }
  }
  /** Called for every node; true when it is a mapping key. */
  const child = (): boolean => {
    const depth = keys.length - 1
    if (depth < 0 || keys[depth] === undefined) return false
    const isKey = atKey[depth]!
    atKey[depth] = !isKey
    return isKey
  }
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.MAPPING:
        child()
        keys.push(new Set())
        atKey.push(true)
        break
      case EVENT_ID.SEQUENCE:
        child()
        keys.push(undefined)
        atKey.push(false)
        break
      case EVENT_ID.POP:
        keys.pop()
        atKey.pop()
        break
      case EVENT_ID.ALIAS:
        child()
        break
      case EVENT_ID.SCALAR: {
        if (!child()) break
        // Keys are compared as the values they resolve to: `on` and `yes` are both `true`.
        const written = getScalarValue(text, event)
        const key =
          event.style === SCALAR_STYLE.PLAIN && event.tagStart === -1
            ? String(kubernetesPlainScalar(written))
            : written
        const seen = keys[keys.length - 1]!
        if (!seen.has(key)) {
          seen.add(key)
          break
        }
        const { line: keyLine, column } = positionOf(event.valueStart)
        problems.push({
          rule: 'duplicate-key',
          message: `duplicate key '${key}'`,
          line: keyLine,
          column,
        })
        break
      }
    }
  }
  return problems
}
