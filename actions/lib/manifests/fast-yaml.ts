import { CORE_SCHEMA, load } from 'js-yaml'

/**
 * Thrown when a document uses YAML this reader does not handle; the caller then parses the
 * document with js-yaml, which is exact but several times slower.
 */
export class UnsupportedYaml extends Error {}

const unsupported = new UnsupportedYaml('unsupported YAML construct')

function bail(): never {
  throw unsupported
}

interface Line {
  indent: number
  /** Text after the indentation. */
  text: string
}

const nullWords = new Set(['null', 'Null', 'NULL', '~', ''])
const trueWords = new Set(['true', 'True', 'TRUE'])
const falseWords = new Set(['false', 'False', 'FALSE'])
const decimalInteger = /^[-+]?[0-9]+$/
const decimalFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/
const numberLike = /^[-+.0-9]/
const resolved = new Map<string, unknown>()

/** A plain scalar resolved as the YAML 1.2 core schema does (js-yaml decides the rare forms). */
function plainValue(text: string): unknown {
  if (nullWords.has(text)) return null
  if (trueWords.has(text)) return true
  if (falseWords.has(text)) return false
  if (!numberLike.test(text)) return text
  if (decimalInteger.test(text) || decimalFloat.test(text)) return Number(text)
  let value = resolved.get(text)
  if (value === undefined && !resolved.has(text)) {
    try {
      value = load(`${text}\n`, { schema: CORE_SCHEMA })
    } catch {
      bail()
    }
    if (typeof value === 'object' && value !== null) bail()
    if (resolved.size < 10_000) resolved.set(text, value)
  }
  return value
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

/** A double-quoted scalar that closes on its line: [value, index after the closing quote]. */
function doubleQuoted(text: string, start: number): [string, number] {
  let out = ''
  let index = start + 1
  while (index < text.length) {
    const char = text[index]
    if (char === '"') return [out, index + 1]
    if (char === '\\') {
      const next = text[index + 1]
      if (next === undefined) bail()
      const simple = escapes[next]
      if (simple !== undefined) {
        out += simple
        index += 2
        continue
      }
      const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0
      if (width === 0) bail()
      const hex = text.slice(index + 2, index + 2 + width)
      if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) bail()
      out += String.fromCodePoint(Number.parseInt(hex, 16))
      index += 2 + width
      continue
    }
    out += char
    index++
  }
  return bail()
}

function singleQuoted(text: string, start: number): [string, number] {
  let out = ''
  let index = start + 1
  while (index < text.length) {
    const char = text[index]
    if (char === "'") {
      if (text[index + 1] === "'") {
        out += "'"
        index += 2
        continue
      }
      return [out, index + 1]
    }
    out += char
    index++
  }
  return bail()
}

/** Only whitespace or a comment may follow a complete value on its line. */
function expectEnd(text: string, index: number): void {
  let position = index
  while (text[position] === ' ') position++
  if (position < text.length && text[position] !== '#') bail()
  if (text[position] === '#' && position === index && index > 0) bail()
}

// Characters that start something this reader leaves to js-yaml: anchors, aliases, tags,
// complex keys, directives, reserved indicators.
const unsupportedStart = new Set(['&', '*', '!', '?', '%', '@', '`', '|', '>'])

function flowPlainEnd(text: string, start: number): number {
  let index = start
  while (index < text.length) {
    const char = text[index]
    if (char === ',' || char === ']' || char === '}') break
    if (
      char === ':' &&
      (text[index + 1] === ' ' ||
        text[index + 1] === ',' ||
        text[index + 1] === '}' ||
        text[index + 1] === ']' ||
        index + 1 === text.length)
    )
      break
    if (char === '#' && text[index - 1] === ' ') bail()
    if (char === '[' || char === '{') bail()
    index++
  }
  return index
}

function skipSpaces(text: string, index: number): number {
  let position = index
  while (text[position] === ' ') position++
  return position
}

/** A flow node inside `[...]` or `{...}` on one line: [value, index after it]. */
function flowNode(text: string, start: number, depth: number): [unknown, number] {
  if (depth > 100) bail()
  const index = skipSpaces(text, start)
  const char = text[index]
  if (char === '[') {
    const items: unknown[] = []
    let position = skipSpaces(text, index + 1)
    while (text[position] !== ']') {
      const [value, after] = flowNode(text, position, depth + 1)
      position = skipSpaces(text, after)
      if (text[position] === ':') bail()
      items.push(value)
      if (text[position] === ',') position = skipSpaces(text, position + 1)
      else if (text[position] !== ']') bail()
    }
    return [items, position + 1]
  }
  if (char === '{') {
    const object: Record<string, unknown> = {}
    let position = skipSpaces(text, index + 1)
    while (text[position] !== '}') {
      const [key, afterKey] = flowKey(text, position)
      position = skipSpaces(text, afterKey)
      if (text[position] !== ':') bail()
      position = skipSpaces(text, position + 1)
      let value: unknown = null
      if (text[position] !== ',' && text[position] !== '}') {
        const [parsed, after] = flowNode(text, position, depth + 1)
        value = parsed
        position = skipSpaces(text, after)
      }
      if (Object.hasOwn(object, key)) bail()
      object[key] = value
      if (text[position] === ',') position = skipSpaces(text, position + 1)
      else if (text[position] !== '}') bail()
    }
    return [object, position + 1]
  }
  if (char === '"') return doubleQuoted(text, index)
  if (char === "'") return singleQuoted(text, index)
  if (
    char === undefined ||
    unsupportedStart.has(char) ||
    char === ',' ||
    char === ']' ||
    char === '}' ||
    char === '#'
  )
    bail()
  if (char === '-' && (text[index + 1] === ' ' || text[index + 1] === undefined)) bail()
  const end = flowPlainEnd(text, index)
  return [plainValue(text.slice(index, end).trimEnd()), end]
}

function flowKey(text: string, start: number): [string, number] {
  const char = text[start]
  if (char === '"') return doubleQuoted(text, start)
  if (char === "'") return singleQuoted(text, start)
  const end = flowPlainEnd(text, start)
  const key = text.slice(start, end).trimEnd()
  checkPlainKey(key)
  return [key, end]
}

function checkPlainKey(key: string): void {
  const first = key.charCodeAt(0)
  // Most keys start with a letter: only the null and boolean words need a second look.
  if ((first >= 97 && first <= 122) || (first >= 65 && first <= 90)) {
    if (key.length <= 5 && (nullWords.has(key) || trueWords.has(key) || falseWords.has(key))) bail()
    return
  }
  if (key === '' || key === '__proto__' || key === '<<') bail()
  if (numberLike.test(key) || nullWords.has(key)) bail()
  if (unsupportedStart.has(key[0]) || key[0] === '[' || key[0] === '{' || key[0] === '#') bail()
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
  const raw = source.split('\n')
  const lines: (Line | null)[] = raw.map((line) => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    let indent = 0
    while (text.charCodeAt(indent) === 32) indent++
    if (text.charCodeAt(indent) === 9) {
      // Tabs may not indent YAML; a tab-only line is blank.
      if (text.trim() === '') return null
      bail()
    }
    const rest = text.slice(indent)
    if (rest === '' || rest[0] === '#') return null
    return { indent, text: rest }
  })
  let current = 0
  /** The text of the last plain scalar read, so that continuation lines can be folded in. */
  let lastPlain: string | undefined
  // A leading `---` (with nothing after it but a comment) starts the document.
  const first = nextContent(0)
  if (first !== -1) {
    const line = lines[first]!
    if (line.indent === 0 && line.text.startsWith('---')) {
      const after = line.text.slice(3)
      if (after.trim() !== '' && !after.trimStart().startsWith('#')) bail()
      lines[first] = null
    }
  }
  for (const line of lines) {
    if (
      line &&
      line.indent === 0 &&
      (line.text.startsWith('---') || line.text.startsWith('...') || line.text[0] === '%')
    )
      bail()
  }

  function nextContent(from: number): number {
    for (let index = from; index < lines.length; index++) if (lines[index]) return index
    return -1
  }

  function peek(): Line | null {
    const index = nextContent(current)
    if (index === -1) {
      current = lines.length
      return null
    }
    current = index
    return lines[index]
  }

  /** Position of the next content line, the start of a nested value that follows `from`. */
  function nestedStart(from: number): TextPosition {
    const next = nextContent(from)
    for (let line = from; line < next; line++) {
      if (raw[line].trimStart().startsWith('#')) bail()
    }
    return { line: next + 1, column: lines[next]!.indent + 1 }
  }

  function isSequenceItem(text: string): boolean {
    return text[0] === '-' && (text.length === 1 || text[1] === ' ')
  }

  /** Where `key:` ends in a block mapping line, or -1 when the line is not a mapping entry. */
  function keyEnd(text: string): { key: string; valueStart: number } | null {
    const char = text[0]
    if (char === '"' || char === "'") {
      const [key, after] = char === '"' ? doubleQuoted(text, 0) : singleQuoted(text, 0)
      const colon = skipSpaces(text, after)
      if (text[colon] !== ':') return null
      if (colon + 1 < text.length && text[colon + 1] !== ' ') bail()
      if (key === '__proto__' || key === '<<') bail()
      return { key, valueStart: colon + 1 }
    }
    if (char === '[' || char === '{') return null
    let colon = text.indexOf(':')
    while (colon !== -1 && colon + 1 < text.length && text.charCodeAt(colon + 1) !== 32) {
      colon = text.indexOf(':', colon + 1)
    }
    if (colon === -1) return null
    const hash = text.indexOf(' #')
    if (hash !== -1 && hash < colon) return null
    const key = text.slice(0, colon).trimEnd()
    checkPlainKey(key)
    return { key, valueStart: colon + 1 }
  }

  /** A node at `indent` or deeper; `parent` is the indentation block scalars must exceed. */
  function node(indent: number, depth: number, parent: number, path: string): unknown {
    if (depth > 100) bail()
    const line = peek()
    if (!line || line.indent < indent) return null
    if (isSequenceItem(line.text)) return sequence(line.indent, depth, path)
    if (keyEnd(line.text)) return mapping(line.indent, depth, path)
    // A scalar or flow value alone on its line.
    current++
    lastPlain = undefined
    let value = inlineValue(line.text, 0, parent, depth)
    let next = peek()
    if (next && next.indent > parent && lastPlain !== undefined) {
      value = continuePlain(lastPlain, parent + 1)
      next = peek()
    }
    if (next && next.indent >= indent) bail()
    return value
  }

  function sequence(indent: number, depth: number, path: string): unknown[] {
    const items: unknown[] = []
    for (;;) {
      const line = peek()
      if (!line || line.indent < indent) break
      if (line.indent > indent) bail()
      if (!isSequenceItem(line.text)) break
      const after = skipSpaces(line.text, 1)
      const itemPath = index ? `${path}/${items.length}` : ''
      if (after >= line.text.length || line.text[after] === '#') {
        const itemLine = current
        current++
        const next = peek()
        const nested = next !== null && next.indent > indent
        if (index) index.set(itemPath, nested ? { value: nestedStart(itemLine + 1) } : {})
        items.push(nested ? node(indent + 1, depth + 1, indent, itemPath) : null)
        continue
      }
      if (index) {
        const flow = line.text[after] === '[' || line.text[after] === '{'
        index.set(itemPath, { value: { line: current + 1, column: indent + after + 1 }, flow })
      }
      // The item's content is read as if it were a line of its own at its column.
      lines[current] = { indent: indent + after, text: line.text.slice(after) }
      items.push(node(indent + after, depth + 1, indent, itemPath))
    }
    return items
  }

  function mapping(indent: number, depth: number, path: string): Record<string, unknown> {
    const object: Record<string, unknown> = {}
    for (;;) {
      const line = peek()
      if (!line || line.indent < indent) break
      if (line.indent > indent) bail()
      const entry = keyEnd(line.text)
      if (!entry) {
        if (isSequenceItem(line.text)) break
        bail()
      }
      if (Object.hasOwn(object, entry.key)) bail()
      const keyLine = current
      current++
      const valueStart = skipSpaces(line.text, entry.valueStart)
      const entryPath = index ? `${path}/${pointerSegment(entry.key)}` : ''
      if (valueStart >= line.text.length || line.text[valueStart] === '#') {
        const next = peek()
        const nested =
          next !== null &&
          (next.indent > indent || (next.indent === indent && isSequenceItem(next.text)))
        if (index) {
          const key = { line: keyLine + 1, column: indent + 1 }
          index.set(entryPath, nested ? { key, value: nestedStart(keyLine + 1) } : { key })
        }
        if (next && next.indent > indent) {
          object[entry.key] = node(indent + 1, depth + 1, indent, entryPath)
        } else if (nested) object[entry.key] = sequence(indent, depth + 1, entryPath)
        else object[entry.key] = null
        continue
      }
      if (index) {
        const flow = line.text[valueStart] === '[' || line.text[valueStart] === '{'
        index.set(entryPath, {
          key: { line: keyLine + 1, column: indent + 1 },
          value: { line: keyLine + 1, column: indent + valueStart + 1 },
          flow,
        })
      }
      lastPlain = undefined
      object[entry.key] = inlineValue(line.text, valueStart, indent, depth)
      let next = peek()
      if (next && next.indent > indent && lastPlain !== undefined) {
        object[entry.key] = continuePlain(lastPlain, indent + 1)
        next = peek()
      }
      if (next && next.indent > indent) bail()
    }
    return object
  }

  /** The value that starts at `start` of a line whose parent node is at `indent`. */
  function inlineValue(text: string, start: number, indent: number, depth: number): unknown {
    const char = text[start]
    if (char === '[' || char === '{') {
      const [value, end] = flowNode(text, start, depth)
      expectEnd(text, end)
      return value
    }
    if (char === '"' || char === "'") return quotedValue(text, start, indent)
    if (char === '|') return literalBlock(text.slice(start + 1), indent)
    if (unsupportedStart.has(char) || char === ',' || char === ']' || char === '}') bail()
    if (char === '-' && (text[start + 1] === ' ' || start + 1 === text.length)) bail()
    let end = text.length
    for (let index = start; index < text.length; index++) {
      const c = text[index]
      if (c === '#' && text[index - 1] === ' ') {
        end = index
        break
      }
      if (c === ':' && (index + 1 === text.length || text[index + 1] === ' ')) bail()
    }
    lastPlain = text.slice(start, end).trimEnd()
    return plainValue(lastPlain)
  }

  /**
   * A quoted scalar, which may continue over following lines (indented more than `indent`);
   * YAML folds its line breaks like a plain scalar's.
   */
  function quotedValue(text: string, start: number, indent: number): string {
    const read = text[start] === '"' ? doubleQuoted : singleQuoted
    const closes = (candidate: string): [string, number] | undefined => {
      try {
        return read(candidate, 0)
      } catch {
        return undefined
      }
    }
    let combined = text.slice(start).trimEnd()
    let parsed = closes(combined)
    let index = current
    let blanks = 0
    while (!parsed) {
      if (index >= raw.length || combined.endsWith('\\')) bail()
      const line = raw[index].endsWith('\r') ? raw[index].slice(0, -1) : raw[index]
      index++
      const trimmed = line.trim()
      if (trimmed === '') {
        blanks++
        continue
      }
      let spaces = 0
      while (line.charCodeAt(spaces) === 32) spaces++
      if (spaces <= indent) bail()
      combined += blanks > 0 ? `${'\n'.repeat(blanks)}${trimmed}` : ` ${trimmed}`
      blanks = 0
      parsed = closes(combined)
    }
    expectEnd(combined, parsed[1])
    for (let line = current; line < index; line++) lines[line] = null
    current = index
    return parsed[0]
  }

  /**
   * Lines after a plain scalar that are indented at least `minIndent` continue it: YAML folds
   * them into one line (a blank line becomes a newline). CRD descriptions wrap this way.
   */
  function continuePlain(first: string, minIndent: number): unknown {
    const parts = [first]
    let blanks = 0
    let index = current
    for (; index < raw.length; index++) {
      const line = raw[index].endsWith('\r') ? raw[index].slice(0, -1) : raw[index]
      let spaces = 0
      while (line.charCodeAt(spaces) === 32) spaces++
      if (spaces === line.length) {
        blanks++
        continue
      }
      if (spaces < minIndent) break
      const text = line.slice(spaces).trimEnd()
      if (
        text[0] === '#' ||
        text.includes(' #') ||
        text.includes(': ') ||
        text.endsWith(':') ||
        text.charCodeAt(0) === 9
      )
        bail()
      if (index === current && text === '') break
      parts.push(blanks > 0 ? `${'\n'.repeat(blanks)}${text}` : ` ${text}`)
      blanks = 0
    }
    // Trailing blank lines are not part of the scalar; the next node starts after them.
    let end = index
    while (end > current && raw[end - 1].trim() === '') end--
    for (let line = current; line < end; line++) lines[line] = null
    current = end
    return plainValue(parts.join(''))
  }

  /** A literal block scalar (`|`, `|-`, `|+`) whose lines follow, more indented than `indent`. */
  function literalBlock(header: string, indent: number): string {
    const chomp = header[0] === '-' ? 'strip' : header[0] === '+' ? 'keep' : 'clip'
    const rest = chomp === 'clip' ? header : header.slice(1)
    if (rest.trim() !== '' && !rest.trimStart().startsWith('#')) bail()
    if (rest !== '' && rest[0] !== ' ') bail()
    const startLine = current
    let blockIndent = -1
    const content: string[] = []
    let index = startLine
    for (; index < raw.length; index++) {
      const line = raw[index].endsWith('\r') ? raw[index].slice(0, -1) : raw[index]
      let spaces = 0
      while (line.charCodeAt(spaces) === 32) spaces++
      if (spaces === line.length) {
        if (blockIndent === -1 && spaces > indent) bail()
        content.push('')
        continue
      }
      if (blockIndent === -1) {
        if (spaces <= indent) break
        if (content.length > 0) bail()
        blockIndent = spaces
      }
      if (spaces < blockIndent) break
      content.push(line.slice(blockIndent))
    }
    // Trailing blank lines belong to chomping, not to the lines that follow.
    let end = content.length
    while (end > 0 && content[end - 1] === '') end--
    const consumed = index
    for (let line = startLine; line < consumed; line++) lines[line] = null
    current = consumed
    const body = content.slice(0, end)
    if (body.length === 0) return chomp === 'keep' ? '\n'.repeat(content.length) : ''
    const text = body.join('\n')
    if (chomp === 'strip') return text
    if (chomp === 'clip') return `${text}\n`
    return `${text}\n${'\n'.repeat(content.length - end)}`
  }

  const start = peek()
  if (start && rootPosition) {
    rootPosition.line = current + 1
    rootPosition.column = start.indent + 1
  }
  const value = start ? node(0, 0, -1, '') : undefined
  if (peek()) bail()
  return value
}
