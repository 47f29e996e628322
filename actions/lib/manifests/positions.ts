import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml'
import { type IndexedNode, indexSimpleYaml, type PositionIndex, UnsupportedYaml } from './fast-yaml'

export interface SourcePosition {
  /** 1-based within the chunk. */
  line: number
  column: number
}

/** Which end of a `key: value` entry a finding points at. */
export type Anchor = 'key' | 'value'

/**
 * Positions for JSON pointers inside one YAML document. Built only for documents that have
 * findings: a full AST costs about twelve times a plain parse.
 */
export class DocumentPositions {
  private readonly text: string
  /** From the fast reader, when it reads the document; otherwise a full AST is built. */
  private readonly index: PositionIndex | undefined
  private ast: YamlPositions | undefined

  constructor(text: string) {
    this.text = text
    try {
      this.index = indexSimpleYaml(text)
    } catch (error) {
      if (!(error instanceof UnsupportedYaml)) throw error
    }
  }

  private full(): YamlPositions {
    this.ast ??= new YamlPositions(this.text)
    return this.ast
  }

  /**
   * The node a pointer names or, when part of the path does not exist (a missing required
   * field), the nearest existing parent's key.
   */
  locate(pointer: string, anchor: Anchor = 'value'): SourcePosition {
    const index = this.index
    if (!index) return this.full().locate(pointer, anchor)
    const segments = parsePointer(pointer)
    let position: SourcePosition = index.root
    let path = ''
    let parent: IndexedNode | undefined
    for (let at = 0; at < segments.length; at++) {
      // Children of flow collections are not indexed.
      if (parent?.flow) return this.full().locate(pointer, anchor)
      path += `/${segments[at].replace(/~/g, '~0').replace(/\//g, '~1')}`
      const entry = index.nodes.get(path)
      if (!entry) return position
      const last = at === segments.length - 1
      const useKey = entry.key !== undefined && (!last || anchor === 'key')
      const next = useKey ? entry.key : entry.value
      if (!next) return this.full().locate(pointer, anchor)
      position = next
      parent = entry
    }
    return position
  }
}

/** Positions from a full `yaml` AST, for documents the fast reader does not index. */
class YamlPositions {
  private readonly lines = new LineCounter()
  private readonly document

  constructor(text: string) {
    this.document = parseDocument(text, {
      lineCounter: this.lines,
      uniqueKeys: false,
      merge: true,
      prettyErrors: false,
    })
  }

  private at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset)
    return { line, column: col }
  }

  /** Where the document's content starts (its first node). */
  root(): SourcePosition {
    const contents = this.document.contents as Node | null
    return this.at(contents?.range?.[0] ?? 0)
  }

  /**
   * The node a pointer names or, when part of the path does not exist (a missing required
   * field), the nearest existing parent's key.
   */
  locate(pointer: string, anchor: Anchor = 'value'): SourcePosition {
    const segments = parsePointer(pointer)
    let node = this.document.contents as unknown
    let position = this.root()
    for (let index = 0; index < segments.length; index++) {
      const segment = segments[index]
      if (isAlias(node)) node = node.resolve(this.document)
      const last = index === segments.length - 1
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
        )
        if (!pair) return position
        const key = pair.key as Node
        const value = pair.value as Node | null
        const useKey = !last || anchor === 'key' || !value?.range
        position = this.at((useKey ? key.range : value!.range)?.[0] ?? 0)
        node = value
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined
        if (!item?.range) return position
        position = this.at(item.range[0])
        node = item
      } else {
        return position
      }
    }
    return position
  }
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return []
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

export function toPointer(segments: readonly (string | number)[]): string {
  return segments
    .map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('')
}
