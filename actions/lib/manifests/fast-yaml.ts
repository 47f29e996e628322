import { goYamlNumber, yaml11Boolean } from './kubernetes-yaml'

/**
 * Thrown when a document uses YAML this reader does not handle; the caller then parses the
 * document with js-yaml, which is exact but several times slower.
 */
export class UnsupportedYaml extends Error {}

const unsupported = new UnsupportedYaml('unsupported YAML construct')

function bail(): never {
  throw unsupported
}

const space = 32
const tab = 9
const hash = 35
const colon = 58
const dash = 45
const comma = 44
const doubleQuote = 34
const singleQuote = 39
const backslash = 92
const openBracket = 91
const closeBracket = 93
const openBrace = 123
const closeBrace = 125
const pipe = 124

const nullWords = new Set(['null', 'Null', 'NULL', '~', ''])
const trueWords = new Set(['true', 'True', 'TRUE'])
const falseWords = new Set(['false', 'False', 'FALSE'])
const decimalInteger = /^[-+]?[0-9]+$/
const decimalFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/
const numberLike = /^[-+.0-9]/
const quantityLike = /^[-+.0-9][-+.0-9A-Za-z_/]*$/
// Letters of no numeric form: hex digits, x, o, b, e, and those of inf and nan are left out.
const nonNumericLetter = /[ghj-mp-wyzGHJ-MP-WYZ]/
/**
 * Characters whose reading this reader does not reproduce, so a document holding any of them
 * goes to js-yaml: tabs (separators in some places, content in others), other whitespace that
 * trimming would remove (U+00A0, U+2028...), line breaks other than LF and CRLF, a BOM inside
 * the text, and the non-printable characters YAML refuses.
 */
const uncertainCharacters =
  /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\ufffe\uffff]/
// Kept apart: an alternation in the class above would make V8 scan every document slower.
const loneCarriageReturn = /\r(?!\n)/

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90)
}

/** First letters of the null and boolean words (null, true, false, y/yes, n/no, on/off). */
const keywordFirstLetters = new Set([...'nNtTfFyYoO'].map((letter) => letter.charCodeAt(0)))

/** Whether a word starting with a letter may be one of the null or boolean words. */
function mayBeKeyword(text: string, first: number): boolean {
  return text.length <= 5 && keywordFirstLetters.has(first)
}

function isKeyword(text: string): boolean {
  return (
    nullWords.has(text) ||
    trueWords.has(text) ||
    falseWords.has(text) ||
    yaml11Boolean(text) !== undefined
  )
}

/** Whether a number is written with a leading 0 before a digit, which Go reads as octal (`0644`). */
function hasLeadingZero(text: string): boolean {
  const first = text.charCodeAt(0)
  const at = first === 43 || first === 45 ? 1 : 0
  const next = text.charCodeAt(at + 1)
  return text.charCodeAt(at) === 48 && next >= 48 && next <= 57
}

/** A plain scalar resolved as Kubernetes reads it (go-yaml v2 rules, see kubernetes-yaml.ts). */
function plainValue(text: string): unknown {
  const first = text.charCodeAt(0)
  // Most scalars start with a letter: only the null and boolean words resolve to something else.
  if (isLetter(first)) {
    if (!mayBeKeyword(text, first)) return text
    if (nullWords.has(text)) return null
    if (trueWords.has(text)) return true
    if (falseWords.has(text)) return false
    return yaml11Boolean(text) ?? text
  }
  if (nullWords.has(text)) return null
  if (!numberLike.test(text)) return text
  if ((decimalInteger.test(text) || decimalFloat.test(text)) && !hasLeadingZero(text)) {
    const value = Number(text)
    // Out of a float64's range (`1e400`), Go keeps the text: goYamlNumber decides.
    if (Number.isFinite(value)) return value
  }
  // Quantities and versions (`100m`, `128Mi`, `1.2.3-rc1`) hold a letter that no integer, float,
  // infinity or NaN can, so they are strings without a closer look.
  if (quantityLike.test(text) && nonNumericLetter.test(text)) return text
  return goYamlNumber(text) ?? text
}

/**
 * `text.slice(start, end).trimEnd()`, without the second string when nothing needs trimming
 * (the last character is printable ASCII).
 */
function trimmedSlice(text: string, start: number, end: number): string {
  const last = text.charCodeAt(end - 1)
  const slice = text.slice(start, end)
  return last > space && last < 127 ? slice : slice.trimEnd()
}

const escapes: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
}

/**
 * Where the last quoted scalar, flow node or flow key read ended (the index after it). The
 * readers return only their value, so the hot path allocates no [value, index] pairs.
 */
let readEnd = 0

/** A double-quoted scalar that closes before `end` (it starts at the quote at `start`). */
function doubleQuoted(text: string, start: number, end: number): string {
  let index = start + 1
  // Most quoted scalars have no escapes: one slice, no concatenation.
  while (index < end) {
    const code = text.charCodeAt(index)
    if (code === doubleQuote) {
      readEnd = index + 1
      return text.slice(start + 1, index)
    }
    if (code === backslash) break
    index++
  }
  let out = text.slice(start + 1, index)
  while (index < end) {
    const char = text[index]
    if (char === '"') {
      readEnd = index + 1
      return out
    }
    if (char === '\\') {
      if (index + 1 >= end) bail()
      const next = text[index + 1]
      const simple = escapes[next]
      if (simple !== undefined) {
        out += simple
        index += 2
        continue
      }
      const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0
      if (width === 0) bail()
      if (index + 2 + width > end) bail()
      const hex = text.slice(index + 2, index + 2 + width)
      if (!/^[0-9a-fA-F]+$/.test(hex)) bail()
      out += String.fromCodePoint(Number.parseInt(hex, 16))
      index += 2 + width
      continue
    }
    out += char
    index++
  }
  return bail()
}

/** A single-quoted scalar that closes before `end`; `''` stands for one quote. */
function singleQuoted(text: string, start: number, end: number): string {
  let out = ''
  let from = start + 1
  let index = from
  while (index < end) {
    if (text.charCodeAt(index) === singleQuote) {
      if (index + 1 < end && text.charCodeAt(index + 1) === singleQuote) {
        out += text.slice(from, index + 1)
        index += 2
        from = index
        continue
      }
      readEnd = index + 1
      return out === '' ? text.slice(from, index) : out + text.slice(from, index)
    }
    index++
  }
  return bail()
}

function quoted(text: string, start: number, end: number): string {
  return text.charCodeAt(start) === doubleQuote
    ? doubleQuoted(text, start, end)
    : singleQuoted(text, start, end)
}

function skipSpaces(text: string, index: number, end: number): number {
  let position = index
  while (position < end && text.charCodeAt(position) === space) position++
  return position
}

/** The character code at `index`, or -1 at and after `end` (the end of the line). */
function codeAt(text: string, index: number, end: number): number {
  return index < end ? text.charCodeAt(index) : -1
}

/** Only whitespace or a comment may follow a complete value on its line. */
function expectEnd(text: string, index: number, end: number): void {
  const position = skipSpaces(text, index, end)
  if (position >= end) return
  // A comment needs a space before it.
  if (text.charCodeAt(position) !== hash || position === index) bail()
}

/**
 * Characters that start something this reader leaves to js-yaml: anchors, aliases, tags,
 * complex keys, directives, reserved indicators (`&*!?%@\`|>`).
 */
function isUnsupportedStart(code: number): boolean {
  return (
    code === 38 ||
    code === 42 ||
    code === 33 ||
    code === 63 ||
    code === 37 ||
    code === 64 ||
    code === 96 ||
    code === pipe ||
    code === 62
  )
}

function flowPlainEnd(text: string, start: number, end: number): number {
  let index = start
  while (index < end) {
    const code = text.charCodeAt(index)
    if (code === comma || code === closeBracket || code === closeBrace) break
    if (code === colon) {
      const next = codeAt(text, index + 1, end)
      if (next === space || next === comma || next === closeBrace || next === closeBracket) break
      if (next === -1) break
    }
    if (code === hash && text.charCodeAt(index - 1) === space) bail()
    if (code === openBracket || code === openBrace) bail()
    index++
  }
  return index
}

/** A flow node inside `[...]` or `{...}` on one line; sets readEnd to the index after it. */
function flowNode(text: string, start: number, end: number, depth: number): unknown {
  if (depth > 100) bail()
  const index = skipSpaces(text, start, end)
  const code = codeAt(text, index, end)
  if (code === openBracket) {
    const items: unknown[] = []
    let position = skipSpaces(text, index + 1, end)
    while (codeAt(text, position, end) !== closeBracket) {
      const value = flowNode(text, position, end, depth + 1)
      position = skipSpaces(text, readEnd, end)
      const next = codeAt(text, position, end)
      if (next === colon) bail()
      items.push(value)
      if (next === comma) position = skipSpaces(text, position + 1, end)
      else if (next !== closeBracket) bail()
    }
    readEnd = position + 1
    return items
  }
  if (code === openBrace) {
    const object: Record<string, unknown> = {}
    let position = skipSpaces(text, index + 1, end)
    while (codeAt(text, position, end) !== closeBrace) {
      const key = flowKey(text, position, end)
      position = skipSpaces(text, readEnd, end)
      if (codeAt(text, position, end) !== colon) bail()
      position = skipSpaces(text, position + 1, end)
      let value: unknown = null
      const next = codeAt(text, position, end)
      if (next !== comma && next !== closeBrace) {
        value = flowNode(text, position, end, depth + 1)
        position = skipSpaces(text, readEnd, end)
      }
      if (Object.hasOwn(object, key)) bail()
      object[key] = value
      const after = codeAt(text, position, end)
      if (after === comma) position = skipSpaces(text, position + 1, end)
      else if (after !== closeBrace) bail()
    }
    readEnd = position + 1
    return object
  }
  if (code === doubleQuote) return doubleQuoted(text, index, end)
  if (code === singleQuote) return singleQuoted(text, index, end)
  if (
    code === -1 ||
    isUnsupportedStart(code) ||
    code === comma ||
    code === closeBracket ||
    code === closeBrace ||
    code === hash
  )
    bail()
  if (code === dash) {
    const next = codeAt(text, index + 1, end)
    if (next === space || next === -1) bail()
  }
  const plainEnd = flowPlainEnd(text, index, end)
  readEnd = plainEnd
  return plainValue(trimmedSlice(text, index, plainEnd))
}

function flowKey(text: string, start: number, end: number): string {
  const code = codeAt(text, start, end)
  if (code === doubleQuote || code === singleQuote) {
    const key = quoted(text, start, end)
    // An own `__proto__` property, or a merge that js-yaml would not do for a quoted `<<`.
    if (key === '__proto__' || key === '<<') bail()
    return key
  }
  const plainEnd = flowPlainEnd(text, start, end)
  const key = trimmedSlice(text, start, plainEnd)
  checkPlainKey(key)
  readEnd = plainEnd
  return key
}

// Keys recur in every document (apiVersion, metadata, name...): handing back the string read
// last time saves a slice and V8's internalizing of a fresh string on each property access.
const keyCacheSize = 4096
const keyCache: (string | undefined)[] = new Array(keyCacheSize).fill(undefined)

/** Whether `text` holds `expected` at `start` (a loop beats startsWith on sliced strings). */
function sameText(expected: string, text: string, start: number, length: number): boolean {
  if (expected.length !== length) return false
  for (let index = 0; index < length; index++) {
    if (expected.charCodeAt(index) !== text.charCodeAt(start + index)) return false
  }
  return true
}

/**
 * The engine's own copy of a property name: an object's keys are that copy, which reads
 * faster than a slice of the source and is stored without another lookup.
 */
function internalized(key: string): string {
  const holder: Record<string, boolean> = {}
  holder[key] = true
  for (const name in holder) return name
  return key
}

/** The plain key written at [start, end). */
function plainKey(text: string, start: number, end: number): string {
  const length = end - start
  // An empty key (`: x`) is a complex construct left to js-yaml.
  if (length === 0) bail()
  // The length and three characters tell most keys of a manifest apart.
  const slot =
    (length * 31 +
      text.charCodeAt(start) * 7 +
      text.charCodeAt(end - 1) * 131 +
      text.charCodeAt(start + (length >> 1)) * 1031) &
    (keyCacheSize - 1)
  const cached = keyCache[slot]
  if (cached !== undefined && sameText(cached, text, start, length)) return cached
  const key = trimmedSlice(text, start, end)
  checkPlainKey(key)
  // Only keys read as written (nothing trimmed) are found again by their characters.
  if (key.length !== length) return key
  const shared = internalized(key)
  keyCache[slot] = shared
  return shared
}

function checkPlainKey(key: string): void {
  const first = key.charCodeAt(0)
  // Most keys start with a letter: only the null and boolean words need a second look.
  if (isLetter(first)) {
    if (mayBeKeyword(key, first) && isKeyword(key)) bail()
    return
  }
  if (key === '' || key === '__proto__' || key === '<<') bail()
  if (numberLike.test(key) || nullWords.has(key)) bail()
  if (isUnsupportedStart(first) || first === openBracket || first === openBrace || first === hash)
    bail()
}

/** A 1-based line and column within the parsed text. */
export interface TextPosition {
  line: number
  column: number
}

/**
 * Where one node of a document is written, keyed by its JSON pointer. `value` is absent when
 * the value is an empty (null) node, whose position only a full YAML parser pins down the
 * way users expect; `flow` marks a flow collection, whose children are not indexed.
 */
export interface IndexedNode {
  /** Set for mapping entries. */
  key?: TextPosition
  value?: TextPosition
  flow?: boolean
}

/** Positions of every block node of a document that parseSimpleYaml reads. */
export interface PositionIndex {
  root: TextPosition
  nodes: Map<string, IndexedNode>
}

/** The JSON pointer segment for a key (RFC 6901 escaping). */
function pointerSegment(key: string): string {
  return key.indexOf('~') === -1 && key.indexOf('/') === -1
    ? key
    : key.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * Indexes the positions of a document's nodes in one pass of the fast reader (an AST from a
 * general parser costs about twelve times as much). Throws UnsupportedYaml like
 * parseSimpleYaml, and also when a comment sits between a key and its nested value, where a
 * general parser's idea of the value's start is the one users know.
 */
export function indexSimpleYaml(source: string): PositionIndex | undefined {
  const nodes = new Map<string, IndexedNode>()
  const root: TextPosition = { line: 0, column: 0 }
  parseSimpleYaml(source, nodes, root)
  return root.line === 0 ? undefined : { root, nodes }
}

// The line tables are shared by every parse (one parse runs at a time) and grow as needed,
// so a document costs no per-line allocation.
let lineStarts = new Int32Array(1024)
/** End of each line's text, before `\n` and one `\r`. */
let lineEnds = new Int32Array(1024)
/**
 * Column where each line's content starts, or -1 for a line with none (blank, comment, or
 * already consumed by a multi-line scalar). A sequence item's content is read as a line of its
 * own starting at its column.
 */
let contentColumns = new Int32Array(1024)

function growLines(): void {
  const size = lineStarts.length * 2
  const starts = new Int32Array(size)
  const ends = new Int32Array(size)
  const columns = new Int32Array(size)
  starts.set(lineStarts)
  ends.set(lineEnds)
  columns.set(contentColumns)
  lineStarts = starts
  lineEnds = ends
  contentColumns = columns
}

/**
 * Reads the block YAML that Kubernetes manifests are written in (block mappings and sequences,
 * single-line plain, quoted and flow values, literal block scalars) about five times faster
 * than a general parser. Anything else throws UnsupportedYaml.
 */
export function parseSimpleYaml(
  source: string,
  index?: Map<string, IndexedNode>,
  rootPosition?: TextPosition,
): unknown {
  return new BlockReader(source, index).read(rootPosition)
}

class BlockReader {
  private readonly text: string
  private readonly index: Map<string, IndexedNode> | undefined
  private readonly lineCount: number
  /** The line being read. */
  private current = 0
  /** The text of the last plain scalar read, so that continuation lines can be folded in. */
  private lastPlain: string | undefined = undefined
  /** The key found by the last keyEnd call. */
  private key = ''
  private colonFrom = -1
  private colonAt = -1
  private hashFrom = -1
  private hashAt = -1

  constructor(text: string, index: Map<string, IndexedNode> | undefined) {
    if (
      uncertainCharacters.test(text) ||
      (text.indexOf('\r') !== -1 && loneCarriageReturn.test(text))
    )
      bail()
    this.text = text
    this.index = index
    let first = true
    let start = 0
    let line = 0
    for (;;) {
      if (line === lineStarts.length) growLines()
      let newline = text.indexOf('\n', start)
      const last = newline === -1
      if (last) newline = text.length
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline
      lineStarts[line] = start
      lineEnds[line] = end
      let column = start
      while (column < end && text.charCodeAt(column) === space) column++
      const code = column < end ? text.charCodeAt(column) : -1
      contentColumns[line] = -1
      if (code === tab) {
        // Tabs may not indent YAML; a tab-only line is blank.
        if (text.slice(start, end).trim() !== '') bail()
      } else if (code !== -1 && code !== hash) {
        contentColumns[line] = column - start
        if (column === start) this.checkColumnZero(start, end, first, line)
        first = false
      }
      line++
      if (last) break
      start = newline + 1
    }
    this.lineCount = line
  }

  /**
   * A leading `---` (with nothing after it but a comment) starts the document; any other
   * marker or directive at column 0 is left to js-yaml.
   */
  private checkColumnZero(start: number, end: number, first: boolean, line: number): void {
    const text = this.text
    const code = text.charCodeAt(start)
    if (code === 37) bail()
    if (code !== dash && code !== 46) return
    if (end - start < 3) return
    if (text.charCodeAt(start + 1) !== code || text.charCodeAt(start + 2) !== code) return
    if (code !== dash || !first) bail()
    const after = text.slice(start + 3, end)
    if (after.trim() !== '' && !after.trimStart().startsWith('#')) bail()
    contentColumns[line] = -1
  }

  read(rootPosition: TextPosition | undefined): unknown {
    const start = this.peek()
    if (start !== -1 && rootPosition) {
      rootPosition.line = this.current + 1
      rootPosition.column = contentColumns[start] + 1
    }
    const value = start !== -1 ? this.node(0, 0, -1, '') : undefined
    if (this.peek() !== -1) bail()
    return value
  }

  private nextContent(from: number): number {
    for (let line = from; line < this.lineCount; line++) if (contentColumns[line] >= 0) return line
    return -1
  }

  /** The next line with content (made current), or -1. */
  private peek(): number {
    const line = this.nextContent(this.current)
    if (line === -1) {
      this.current = this.lineCount
      return -1
    }
    this.current = line
    return line
  }

  /** The line's text without its `\r`. */
  private lineText(line: number): string {
    return this.text.slice(lineStarts[line], lineEnds[line])
  }

  /** Position of the next content line, the start of a nested value that follows `from`. */
  private nestedStart(from: number): TextPosition {
    const next = this.nextContent(from)
    for (let line = from; line < next; line++) {
      if (this.lineText(line).trimStart().startsWith('#')) bail()
    }
    return { line: next + 1, column: contentColumns[next] + 1 }
  }

  private isSequenceItem(line: number): boolean {
    const start = lineStarts[line] + contentColumns[line]
    const end = lineEnds[line]
    return (
      this.text.charCodeAt(start) === dash &&
      (start + 1 === end || this.text.charCodeAt(start + 1) === space)
    )
  }

  /**
   * Where the value of a block mapping entry starts (just after `key:`), with the key left in
   * `this.key`, or -1 when the line is not a mapping entry.
   */
  private keyEnd(line: number): number {
    const text = this.text
    const start = lineStarts[line] + contentColumns[line]
    const end = lineEnds[line]
    const code = text.charCodeAt(start)
    if (code === doubleQuote || code === singleQuote) {
      const key = quoted(text, start, end)
      const at = skipSpaces(text, readEnd, end)
      if (codeAt(text, at, end) !== colon) return -1
      if (at + 1 < end && text.charCodeAt(at + 1) !== space) bail()
      if (key === '__proto__' || key === '<<') bail()
      this.key = key
      return at + 1
    }
    if (code === openBracket || code === openBrace) return -1
    // The first `:` followed by a space or the line end, unless a comment starts before it.
    let at = this.nextColon(start)
    while (at + 1 < end && text.charCodeAt(at + 1) !== space) at = this.nextColon(at + 1)
    if (at >= end) return -1
    for (let comment = this.nextHash(start); comment < at; comment = this.nextHash(comment + 1)) {
      if (comment > start && text.charCodeAt(comment - 1) === space) return -1
    }
    this.key = plainKey(text, start, at)
    return at + 1
  }

  /**
   * The first `:` at or after `from` (the text's length when there is none). The answer of the
   * last search is kept: the reader moves forward, so the text is scanned about once in all.
   */
  private nextColon(from: number): number {
    if (from < this.colonFrom || from > this.colonAt) {
      const at = this.text.indexOf(':', from)
      this.colonFrom = from
      this.colonAt = at === -1 ? this.text.length : at
    }
    return this.colonAt
  }

  /** The first `#` at or after `from`, like nextColon. */
  private nextHash(from: number): number {
    if (from < this.hashFrom || from > this.hashAt) {
      const at = this.text.indexOf('#', from)
      this.hashFrom = from
      this.hashAt = at === -1 ? this.text.length : at
    }
    return this.hashAt
  }

  /** A node at `indent` or deeper; `parent` is the indentation block scalars must exceed. */
  private node(indent: number, depth: number, parent: number, path: string): unknown {
    if (depth > 100) bail()
    const line = this.peek()
    if (line === -1 || contentColumns[line] < indent) return null
    const column = contentColumns[line]
    if (this.isSequenceItem(line)) return this.sequence(column, depth, path)
    const valueStart = this.keyEnd(line)
    if (valueStart !== -1) return this.mapping(column, depth, path, valueStart)
    // A scalar or flow value alone on its line.
    this.current++
    this.lastPlain = undefined
    let value = this.inlineValue(line, lineStarts[line] + column, parent, depth)
    let next = this.peek()
    if (next !== -1 && contentColumns[next] > parent && this.lastPlain !== undefined) {
      // Blank lines between the value and its continuation are part of it (each a newline).
      this.current = line + 1
      value = this.continuePlain(this.lastPlain, parent + 1)
      next = this.peek()
    }
    if (next !== -1 && contentColumns[next] >= indent) bail()
    return value
  }

  private sequence(indent: number, depth: number, path: string): unknown[] {
    const items: unknown[] = []
    const text = this.text
    const index = this.index
    for (;;) {
      const line = this.peek()
      if (line === -1 || contentColumns[line] < indent) break
      if (contentColumns[line] > indent) bail()
      if (!this.isSequenceItem(line)) break
      const itemStart = lineStarts[line] + indent
      const end = lineEnds[line]
      const content = skipSpaces(text, itemStart + 1, end)
      const after = content - itemStart
      const itemPath = index ? `${path}/${items.length}` : ''
      if (content >= end || text.charCodeAt(content) === hash) {
        const itemLine = line
        this.current++
        const next = this.peek()
        const nested = next !== -1 && contentColumns[next] > indent
        if (index) index.set(itemPath, nested ? { value: this.nestedStart(itemLine + 1) } : {})
        items.push(nested ? this.node(indent + 1, depth + 1, indent, itemPath) : null)
        continue
      }
      if (index) {
        const code = text.charCodeAt(content)
        const flow = code === openBracket || code === openBrace
        index.set(itemPath, { value: { line: line + 1, column: indent + after + 1 }, flow })
      }
      // The item's content is read as if it were a line of its own at its column.
      contentColumns[line] = indent + after
      items.push(this.node(indent + after, depth + 1, indent, itemPath))
    }
    return items
  }

  /** `firstValueStart` is keyEnd's answer for the first entry, which node() already asked. */
  private mapping(
    indent: number,
    depth: number,
    path: string,
    firstValueStart: number,
  ): Record<string, unknown> {
    const object: Record<string, unknown> = {}
    const text = this.text
    const index = this.index
    let known = firstValueStart
    for (;;) {
      const line = this.peek()
      if (line === -1 || contentColumns[line] < indent) break
      if (contentColumns[line] > indent) bail()
      const valueStart = known !== -1 ? known : this.keyEnd(line)
      known = -1
      if (valueStart === -1) {
        if (this.isSequenceItem(line)) break
        bail()
      }
      const key = this.key
      if (Object.hasOwn(object, key)) bail()
      this.current++
      const end = lineEnds[line]
      const start = skipSpaces(text, valueStart, end)
      const entryPath = index ? `${path}/${pointerSegment(key)}` : ''
      if (start >= end || text.charCodeAt(start) === hash) {
        const next = this.peek()
        const deeper = next !== -1 && contentColumns[next] > indent
        const nested =
          deeper || (next !== -1 && contentColumns[next] === indent && this.isSequenceItem(next))
        if (index) {
          const keyPosition = { line: line + 1, column: indent + 1 }
          index.set(
            entryPath,
            nested ? { key: keyPosition, value: this.nestedStart(line + 1) } : { key: keyPosition },
          )
        }
        if (deeper) object[key] = this.node(indent + 1, depth + 1, indent, entryPath)
        else if (nested) object[key] = this.sequence(indent, depth + 1, entryPath)
        else object[key] = null
        continue
      }
      if (index) {
        const code = text.charCodeAt(start)
        const flow = code === openBracket || code === openBrace
        const column = start - lineStarts[line]
        index.set(entryPath, {
          key: { line: line + 1, column: indent + 1 },
          value: { line: line + 1, column: column + 1 },
          flow,
        })
      }
      this.lastPlain = undefined
      object[key] = this.inlineValue(line, start, indent, depth)
      let next = this.peek()
      if (next !== -1 && contentColumns[next] > indent && this.lastPlain !== undefined) {
        this.current = line + 1
        object[key] = this.continuePlain(this.lastPlain, indent + 1)
        next = this.peek()
      }
      if (next !== -1 && contentColumns[next] > indent) bail()
    }
    return object
  }

  /** The value that starts at `start` of `line`, whose parent node is at `indent`. */
  private inlineValue(line: number, start: number, indent: number, depth: number): unknown {
    const text = this.text
    const end = lineEnds[line]
    const code = text.charCodeAt(start)
    if (code === openBracket || code === openBrace) {
      const value = flowNode(text, start, end, depth)
      expectEnd(text, readEnd, end)
      return value
    }
    if (code === doubleQuote || code === singleQuote) return this.quotedValue(start, end, indent)
    if (code === pipe) return this.literalBlock(text.slice(start + 1, end), indent)
    if (isUnsupportedStart(code) || code === comma || code === closeBracket || code === closeBrace)
      bail()
    if (code === dash && (start + 1 === end || text.charCodeAt(start + 1) === space)) bail()
    // A comment (` #`) ends the value; a `: ` before it would make the line a mapping.
    let valueEnd = end
    for (let at = this.nextHash(start); at < end; at = this.nextHash(at + 1)) {
      if (text.charCodeAt(at - 1) === space) {
        valueEnd = at
        break
      }
    }
    for (let at = this.nextColon(start); at < valueEnd; at = this.nextColon(at + 1)) {
      if (at + 1 === end || text.charCodeAt(at + 1) === space) bail()
    }
    const plain = trimmedSlice(text, start, valueEnd)
    // A comment ends a plain scalar: a more indented line after it is an error, not more text.
    this.lastPlain = valueEnd === end ? plain : undefined
    return plainValue(plain)
  }

  /**
   * A quoted scalar, which may continue over following lines (indented more than `indent`);
   * YAML folds its line breaks like a plain scalar's.
   */
  private quotedValue(start: number, end: number, indent: number): string {
    const text = this.text
    const onLine = closedOn(text, start, end)
    if (onLine !== undefined) {
      // What follows the closing quote is read without the line's trailing whitespace.
      const last = text.charCodeAt(end - 1)
      const trimmedEnd =
        last > space && last < 127 ? end : start + text.slice(start, end).trimEnd().length
      expectEnd(text, readEnd, trimmedEnd)
      return onLine
    }
    let combined = text.slice(start, end).trimEnd()
    let value = closedOn(combined, 0, combined.length)
    let line = this.current
    let blanks = 0
    while (value === undefined) {
      if (line >= this.lineCount || combined.endsWith('\\')) bail()
      const lineText = this.lineText(line)
      line++
      const trimmed = lineText.trim()
      if (trimmed === '') {
        blanks++
        continue
      }
      let spaces = 0
      while (lineText.charCodeAt(spaces) === space) spaces++
      if (spaces <= indent) bail()
      combined += blanks > 0 ? `${'\n'.repeat(blanks)}${trimmed}` : ` ${trimmed}`
      blanks = 0
      value = closedOn(combined, 0, combined.length)
    }
    expectEnd(combined, readEnd, combined.length)
    for (let consumed = this.current; consumed < line; consumed++) contentColumns[consumed] = -1
    this.current = line
    return value
  }

  /**
   * Lines after a plain scalar that are indented at least `minIndent` continue it: YAML folds
   * them into one line (a blank line becomes a newline). CRD descriptions wrap this way.
   */
  private continuePlain(first: string, minIndent: number): unknown {
    const parts = [first]
    let blanks = 0
    let line = this.current
    for (; line < this.lineCount; line++) {
      const lineText = this.lineText(line)
      let spaces = 0
      while (lineText.charCodeAt(spaces) === space) spaces++
      if (spaces === lineText.length) {
        blanks++
        continue
      }
      if (spaces < minIndent) break
      const content = lineText.slice(spaces).trimEnd()
      if (
        content[0] === '#' ||
        content.includes(' #') ||
        content.includes(': ') ||
        content.endsWith(':') ||
        content.charCodeAt(0) === tab
      )
        bail()
      if (line === this.current && content === '') break
      parts.push(blanks > 0 ? `${'\n'.repeat(blanks)}${content}` : ` ${content}`)
      blanks = 0
    }
    // Trailing blank lines are not part of the scalar; the next node starts after them.
    let end = line
    while (end > this.current && this.lineText(end - 1).trim() === '') end--
    for (let consumed = this.current; consumed < end; consumed++) contentColumns[consumed] = -1
    this.current = end
    return plainValue(parts.join(''))
  }

  /** A literal block scalar (`|`, `|-`) whose lines follow, more indented than `indent`. */
  private literalBlock(header: string, indent: number): string {
    // Kept trailing lines (`|+`) depend on how the text ends, a last line with or without a break.
    if (header[0] === '+') bail()
    const chomp = header[0] === '-' ? 'strip' : 'clip'
    const rest = chomp === 'clip' ? header : header.slice(1)
    if (rest.trim() !== '' && !rest.trimStart().startsWith('#')) bail()
    if (rest !== '' && rest[0] !== ' ') bail()
    const startLine = this.current
    let blockIndent = -1
    const content: string[] = []
    let line = startLine
    for (; line < this.lineCount; line++) {
      const lineText = this.lineText(line)
      let spaces = 0
      while (lineText.charCodeAt(spaces) === space) spaces++
      if (spaces === lineText.length) {
        if (blockIndent === -1 && spaces > indent) bail()
        // Spaces beyond the block's indentation are content of a blank-looking line.
        if (blockIndent !== -1 && spaces > blockIndent) bail()
        content.push('')
        continue
      }
      if (blockIndent === -1) {
        if (spaces <= indent) break
        if (content.length > 0) bail()
        blockIndent = spaces
      }
      if (spaces < blockIndent) break
      content.push(lineText.slice(blockIndent))
    }
    // Trailing blank lines belong to chomping, not to the lines that follow.
    let end = content.length
    while (end > 0 && content[end - 1] === '') end--
    for (let consumed = startLine; consumed < line; consumed++) contentColumns[consumed] = -1
    this.current = line
    const body = content.slice(0, end)
    if (body.length === 0) return ''
    const value = body.join('\n')
    return chomp === 'strip' ? value : `${value}\n`
  }
}

/** The quoted scalar at `start` when it closes before `end`, otherwise undefined. */
function closedOn(text: string, start: number, end: number): string | undefined {
  try {
    return quoted(text, start, end)
  } catch (error) {
    if (error === unsupported) return undefined
    throw error
  }
}
