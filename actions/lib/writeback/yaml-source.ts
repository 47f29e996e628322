import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parse,
  parseAllDocuments,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml'
import { UsageError } from '../errors'

/**
 * A replacement of the bytes between `start` and `end` of the original text.
 * Every change golden-path makes to a file is one of these, so nothing outside
 * the replaced span (comments, blank lines, quoting, line endings, a BOM) can move.
 */
export interface TextEdit {
  start: number
  end: number
  text: string
}

/**
 * Parses every document of a YAML file. The yaml package reports offsets into
 * the string it was given (a leading BOM included), which is what lets edits be
 * spliced into the original text instead of re-serialising the documents.
 */
export function parseYamlDocuments(file: string, text: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, { uniqueKeys: false })
  const list = Array.isArray(documents) ? documents : [documents]
  for (const document of list) {
    const error = document.errors[0]
    if (error) {
      const line = error.linePos?.[0].line
      const where = line ? `${file}:${line}` : file
      throw new UsageError(`${where} is not valid YAML: ${error.message.split('\n')[0]}`)
    }
  }
  return list
}

/** The line ending a file already uses, so inserted lines match it. */
export function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n'
}

/**
 * Applies non-overlapping edits; the result differs only inside their spans. Insertions
 * at one offset land in the order they are listed.
 */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => b.edit.start - a.edit.start || b.index - a.index)
    .map(({ edit }) => edit)
  let result = text
  let limit = Number.POSITIVE_INFINITY
  for (const edit of sorted) {
    if (edit.end > limit) throw new Error(`overlapping edits at offset ${edit.start}`)
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end)
    limit = edit.start
  }
  return result
}

/** The text of a scalar as a string, exactly as its source spells it (`1.10` stays `1.10`). */
export function scalarText(node: Scalar): string {
  if (node.type === 'PLAIN' && typeof node.source === 'string') return node.source
  return node.value === null || node.value === undefined ? '' : String(node.value)
}

/** The value node of `key` in a map, if the key is there. */
export function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return map.items.find(
    (pair): pair is Pair<Node, Node | null> => isScalar(pair.key) && pair.key.value === key,
  )
}

export function mapValue(map: YAMLMap, key: string): Node | null | undefined {
  return pairOf(map, key)?.value
}

/** The string value of `key` when it is a scalar, otherwise undefined. */
export function stringAt(map: YAMLMap, key: string): string | undefined {
  const value = mapValue(map, key)
  return isScalar(value) ? scalarText(value) : undefined
}

/**
 * Writes `value` in the style the existing scalar already uses. A plain scalar
 * stays plain only when YAML would still read it back as this string (a tag
 * such as `1.10` would otherwise turn into the number 1.1); then it is double-quoted.
 */
export function renderLike(node: Scalar, value: string, where: string): string {
  switch (node.type) {
    case 'QUOTE_SINGLE':
      return `'${value.replace(/'/g, "''")}'`
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value)
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      throw new UsageError(
        `${where} is a block scalar; golden-path only rewrites plain or quoted scalars`,
      )
    default:
      return readsBackAsPlain(value) ? value : JSON.stringify(value)
  }
}

function readsBackAsPlain(value: string): boolean {
  if (value === '' || /^[\s-?:,[\]{}#&*!|>'"%@`]/.test(value) || /: |\s#/.test(value)) return false
  try {
    return parse(value) === value
  } catch {
    return false
  }
}

/** A fresh scalar for inserted keys: always double-quoted, so no value changes type. */
export function quoted(value: string): string {
  return JSON.stringify(value)
}

/** A replacement of a scalar's bytes (quotes included, anchor and comment excluded). */
export function replaceScalar(node: Scalar, value: string, where: string): TextEdit | undefined {
  if (!node.range) throw new Error(`${where} has no source position`)
  if (scalarText(node) === value) return undefined
  return { start: node.range[0], end: node.range[1], text: renderLike(node, value, where) }
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

function column(text: string, offset: number): number {
  return offset - lineStart(text, offset)
}

/** The offset just past the line on which `offset` lies (after its line break). */
function afterLine(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset
  const newline = text.indexOf('\n', offset)
  return newline === -1 ? text.length : newline + 1
}

/** Where a flow collection's closing bracket is, scanning back from its end. */
function beforeClosing(text: string, node: Node, bracket: string): number {
  const end = text.lastIndexOf(bracket, node.range![1] - 1)
  let position = end
  while (position > 0 && /\s/.test(text[position - 1]!)) position--
  return position
}

/** Where a new line is inserted after `offset`, with the line break it needs first. */
function lineInsertion(text: string, offset: number, eol: string): { at: number; prefix: string } {
  const at = afterLine(text, offset)
  const prefix = at === text.length && at > 0 && text[at - 1] !== '\n' ? eol : ''
  return { at, prefix }
}

/**
 * Adds `key: <value lines>` to a map, after its last entry and at its
 * indentation. `valueLines` are either one inline value or lines that follow
 * the key, relative to the key's column.
 */
export function insertPair(
  text: string,
  map: YAMLMap,
  key: string,
  value: string | string[],
  where: string,
): TextEdit {
  const eol = lineEnding(text)
  if (map.flow) {
    if (Array.isArray(value))
      throw new UsageError(`${where} is a flow mapping; cannot add '${key}'`)
    const at = beforeClosing(text, map, '}')
    const separator = map.items.length > 0 ? ', ' : ''
    return { start: at, end: at, text: `${separator}${key}: ${value}` }
  }
  const last = map.items[map.items.length - 1]
  const first = map.items[0]
  if (!last || !isScalar(first?.key) || !first.key.range) {
    throw new UsageError(`${where} is an empty mapping; cannot add '${key}'`)
  }
  const indent = ' '.repeat(column(text, first.key.range[0]))
  const lastEnd = (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1]
  const { at, prefix } = lineInsertion(text, lastEnd, eol)
  const body = Array.isArray(value)
    ? `${indent}${key}:${eol}${value.map((line) => `${indent}${line}${eol}`).join('')}`
    : `${indent}${key}: ${value}${eol}`
  return { start: at, end: at, text: prefix + body }
}

/**
 * Appends one mapping to a sequence of mappings, copying the dash and key
 * columns of its first item. `entries` are `key: value` texts.
 */
export function appendMapItem(
  text: string,
  seq: YAMLSeq,
  entries: string[],
  where: string,
): TextEdit {
  const eol = lineEnding(text)
  if (seq.flow) {
    const at = beforeClosing(text, seq, ']')
    const separator = seq.items.length > 0 ? ', ' : ''
    return { start: at, end: at, text: `${separator}{${entries.join(', ')}}` }
  }
  const first = seq.items[0] as Node | undefined
  const last = seq.items[seq.items.length - 1] as Node | undefined
  if (!first?.range || !last?.range || !seq.range) {
    throw new UsageError(`${where} is an empty sequence; cannot append to it`)
  }
  const dashColumn = column(text, text.lastIndexOf('-', first.range[0]))
  const keyColumn = isMap(first) || isSeq(first) ? column(text, first.range[0]) : dashColumn + 2
  const dash = `${' '.repeat(dashColumn)}-${' '.repeat(Math.max(1, keyColumn - dashColumn - 1))}`
  const lines = entries.map((entry, index) =>
    index === 0 ? `${dash}${entry}` : `${' '.repeat(keyColumn)}${entry}`,
  )
  const { at, prefix } = lineInsertion(text, last.range[1], eol)
  return { start: at, end: at, text: prefix + lines.map((line) => line + eol).join('') }
}

/**
 * Removes `key` and its value from a block mapping: the whole line (with its trailing
 * comment) when the pair has lines of its own, or up to the next key when it sits on a
 * sequence item's dash line. Flow mappings lose the pair and one separating comma.
 */
export function removePair(text: string, map: YAMLMap, key: string, where: string): TextEdit {
  const index = map.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === key)
  const pair = map.items[index]
  const keyNode = pair?.key as Node | undefined
  if (!pair || !keyNode?.range) throw new Error(`${where}.${key} has no source position`)
  const valueEnd = (pair.value as Node | null)?.range?.[1] ?? keyNode.range[1]
  if (map.flow) {
    const previous = map.items[index - 1]
    if (previous) {
      const previousEnd =
        (previous.value as Node | null)?.range?.[1] ?? (previous.key as Node).range![1]
      return { start: previousEnd, end: valueEnd, text: '' }
    }
    const next = map.items[index + 1]?.key as Node | undefined
    return { start: keyNode.range[0], end: next?.range?.[0] ?? valueEnd, text: '' }
  }
  const start = lineStart(text, keyNode.range[0])
  if (text.slice(start, keyNode.range[0]).trim() !== '') {
    // `- newTag: x` on the dash line: the next key moves up onto it.
    const next = map.items[index + 1]?.key as Node | undefined
    if (!next?.range)
      throw new UsageError(`${where}: cannot remove '${key}', the only key of its entry`)
    return { start: keyNode.range[0], end: next.range[0], text: '' }
  }
  return { start, end: afterLine(text, valueEnd), text: '' }
}
