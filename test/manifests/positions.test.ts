import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isMap, isPair, isScalar, isSeq, type Node, parseDocument } from 'yaml'
import { indexSimpleYaml, UnsupportedYaml } from '../../actions/lib/manifests/fast-yaml'
import { DocumentPositions, toPointer } from '../../actions/lib/manifests/positions'
import { splitDocuments } from '../../actions/lib/manifests/yaml-documents'
import { repositoryRoot } from './validate-harness'

/** Every pointer in a document, plus a missing child under each collection. */
function pointers(text: string): string[] {
  const found: string[] = ['']
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      found.push(toPointer([...path, 'no-such-field']))
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue
        const child = [...path, String(pair.key.value)]
        found.push(toPointer(child), toPointer([...child, 'below']))
        walk(pair.value, child)
      }
    } else if (isSeq(node)) {
      found.push(toPointer([...path, node.items.length]))
      node.items.forEach((item, index) => {
        found.push(toPointer([...path, index]))
        walk(item as Node, [...path, index])
      })
    }
  }
  walk(parseDocument(text, { uniqueKeys: false }).contents, [])
  return found
}

/** The position a full `yaml` AST gives, which the fast index must reproduce. */
const references = new Map<string, DocumentPositions>()
function reference(text: string, pointer: string, anchor: 'key' | 'value') {
  let positions = references.get(text)
  if (!positions) {
    // A document the fast reader refuses is positioned by the AST alone.
    positions = new DocumentPositions(`${text}\n&unsupported-anchor-forces-ast: 1\n`)
    references.set(text, positions)
  }
  return positions.locate(pointer, anchor)
}

function yamlFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) return yamlFiles(path)
    return /\.ya?ml$/.test(name) ? [path] : []
  })
}

const samples: [string, string][] = [
  ['nested maps and sequences', 'a:\n  b:\n    - c: 1\n      d: [x, y]\n    - e\n  f: {g: h}\n'],
  ['a sequence at the key indentation', 'a:\n- 1\n- two\nb: 3\n'],
  ['empty values', 'a:\nb:\n  c:\n  d: 1\nitems:\n  -\n  - x\n'],
  ['comments between a key and its value', 'a:\n  # why\n  b: 1\nc:\n- # item\n  d: 2\n'],
  ['block scalars and quoted keys', 'a: |\n  x\n  y\n"b/c": \'v\'\nd~e:\n  - |-\n    z\n'],
  ['a leading marker and comment', '# head\n---\nkind: X\nspec:\n  x: 1\n'],
  ['multi-line plain and quoted values', 'a: one\n  two\nb: "x\n  y"\nc:\n  d: 1\n'],
  ['CRLF line ends and trailing comments', 'a: 1 # x\r\nb:\r\n  - c: [1]\r\n    d: "e"\r\n'],
  ['nested sequences and keys with slashes', 'a:\n- - x\n  - y: {z: 1}\nb/c~d:\n  e f: g\n'],
]

describe('document positions', () => {
  it.each(samples)('match a full YAML parse: %s', (_label, text) => {
    for (const pointer of pointers(text)) {
      for (const anchor of ['key', 'value'] as const) {
        expect([pointer, anchor, new DocumentPositions(text).locate(pointer, anchor)]).toEqual([
          pointer,
          anchor,
          reference(text, pointer, anchor),
        ])
      }
    }
  })

  it('match a full YAML parse for every node of the repository manifests and the Argo CD CRDs', () => {
    const files = [
      ...yamlFiles(join(repositoryRoot, 'manifests')),
      ...yamlFiles(join(repositoryRoot, 'data/argocd/crds')),
    ]
    let indexed = 0
    for (const file of files) {
      for (const chunk of splitDocuments(readFileSync(file, 'utf8'))) {
        try {
          if (indexSimpleYaml(chunk.text)) indexed++
        } catch (error) {
          if (!(error instanceof UnsupportedYaml)) throw error
        }
        const positions = new DocumentPositions(chunk.text)
        for (const pointer of pointers(chunk.text)) {
          for (const anchor of ['key', 'value'] as const) {
            expect([file, pointer, anchor, positions.locate(pointer, anchor)]).toEqual([
              file,
              pointer,
              anchor,
              reference(chunk.text, pointer, anchor),
            ])
          }
        }
      }
    }
    // The fast index must actually be exercised, not only the fallback.
    expect(indexed).toBeGreaterThan(5)
  })
})
