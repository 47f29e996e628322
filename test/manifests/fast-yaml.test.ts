import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadAll } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { parseSimpleYaml, UnsupportedYaml } from '../../actions/lib/manifests/fast-yaml'
import { kubernetesSchema } from '../../actions/lib/manifests/kubernetes-yaml'
import { splitDocuments } from '../../actions/lib/manifests/yaml-documents'
import { repositoryRoot } from './validate-harness'

function reference(text: string): unknown {
  return loadAll(text, { schema: kubernetesSchema }).find(
    (document) => document !== null && document !== undefined,
  )
}

/** Either the same value as js-yaml, or a refusal that sends the document to js-yaml. */
function agrees(text: string): 'fast' | 'fallback' {
  let fast: unknown
  try {
    fast = parseSimpleYaml(text)
  } catch (error) {
    if (error instanceof UnsupportedYaml) return 'fallback'
    throw error
  }
  let expected: unknown
  try {
    expected = reference(text)
  } catch {
    throw new Error(`js-yaml rejects a document the fast reader accepted:\n${text}`)
  }
  expect(fast).toEqual(expected === null ? undefined : expected)
  return 'fast'
}

const samples: [string, string, 'fast' | 'fallback'][] = [
  [
    'nested block maps and sequences',
    'a:\n  b:\n    - c: 1\n      d: [x, "y", \'z\']\n    - e\n  f: {g: h, i: [1, 2.5, -3]}\n',
    'fast',
  ],
  ['a sequence at the key indentation', 'a:\n- 1\n- two\nb: 3\n', 'fast'],
  ['comments everywhere', '# top\na: 1 # one\n# mid\nb:   # empty\n  c: "#not" # x\n', 'fast'],
  [
    'core schema scalars',
    'a: [null, ~, true, False, 012, +12, 1e3, .5, -.5, 1., 0x1F, 0o17, .inf, 1_000, 0b1, 1.2.3, 100m, yes, on]\nb:\nc: ""\n',
    'fast',
  ],
  [
    'quantities, versions and number look-alikes',
    'a: [128Mi, 1Gi, 500m, 2k, 1.2.3-rc1, 3h, 10.0.0.0/8, 0xFF, 0o7, 0b101, 1e-3, -.INF, .NaN, +.inf, 1_0, 1:30, 0x1g, 1_000m, 1E5, 0B1]\n',
    'fast',
  ],
  ['quoted escapes', 'a: "tab\\there \\u00e9 \\"q\\" \\\\"\nb: \'it\'\'s\'\n', 'fast'],
  ['literal block scalars', 'a: |\n  line 1\n\n  line 3\nb: |-\n  x\n    y\nd: end\n', 'fast'],
  ['a kept literal block', 'c: |+\n  kept\n\nd: end\n', 'fallback'],
  ['a kept literal block at the end', 'a: |+\n  x\n', 'fallback'],
  ['a more indented blank line in a literal block', 'a: |\n    x\n      \n    y\n', 'fallback'],
  ['an indentation indicator', 'a: |2\n    x\n', 'fallback'],
  ['a tab before a comment', 'a: v\t# c\n', 'fallback'],
  ['a tab after a nested key', 'm:\n  name:\tfoo\n', 'fallback'],
  ['a tab before a continued value', 'a: \t\n  1\n', 'fallback'],
  ['a plain scalar continued after a comment', 'a: foo # c\n  bar\n', 'fallback'],
  ['a no-break space ending a value', 'a: v\u00a0\nb\u00a0: c\n', 'fallback'],
  ['a line separator inside a value', 'a: x\u2028y\n', 'fallback'],
  ['a carriage return alone', 'a: x\ry\nb: 1\n', 'fallback'],
  ['a literal block in a sequence', 'items:\n  - |\n    one\n    two\n  - after\n', 'fast'],
  [
    'keys with dots, slashes and quotes',
    'metadata:\n  labels:\n    app.kubernetes.io/name: web\n    "quoted key": v\n',
    'fast',
  ],
  [
    'urls and colons inside values',
    'a: https://example.org:443/x\nb: {u: https://x.y/z}\nc: 1:30\n',
    'fast',
  ],
  ['a leading document marker', '---\na: 1\n', 'fast'],
  ['CRLF line ends', 'a: 1\r\nb:\r\n  - x\r\n', 'fast'],
  ['multi-line quoted scalars', "a: 'one\n  two''s\n\n  three'\nb: \"x\n  y\"\n", 'fast'],
  ['anchors and aliases', 'a: &x 1\nb: *x\n', 'fallback'],
  ['merge keys', 'base: &b {x: 1}\nc:\n  <<: *b\n', 'fallback'],
  ['tags', 'a: !!str 1\n', 'fallback'],
  ['folded block scalars', 'a: >\n  folded\n  text\n', 'fallback'],
  [
    'multi-line plain scalars',
    'a: one\n  two\n\n  three\nb:\n  - wrapped\n    item\n  - x\n',
    'fast',
  ],
  ['multi-line flow collections', 'a: [1,\n  2]\n', 'fallback'],
  ['duplicate keys', 'a: 1\na: 2\n', 'fallback'],
  ['numeric keys', '80: http\n', 'fallback'],
  ['JSON documents', '{\n  "a": 1\n}\n', 'fallback'],
  ['tab indentation', 'a:\n\tb: 1\n', 'fallback'],
  [
    'words starting with a letter that are nulls and booleans',
    'a: [Null, NULL, nul, nulls, True, TRUE, tRUE, False, FALSE, falsey, n, y, No, Yes]\nb: true\nc: False\nd: NULL\ne: Trueish\n',
    'fast',
  ],
  [
    'keys and values with colons',
    'a:b: c\nurl: http://x:80/y\nd: a:b\n"e: f": g\nh: [a:b, "c: d"]\n',
    'fast',
  ],
  ['a value that holds a mapping on its line', 'a: b: c\n', 'fallback'],
  ['an empty key', ': a\n', 'fallback'],
  ['keys named like null and boolean words', 'null: a\n', 'fallback'],
  ['keys named after object prototype members', 'constructor: a\ntoString: b\n', 'fast'],
  [
    'CRLF line ends with comments, blocks and quotes',
    'a: 1 # one\r\nb: |\r\n  x\r\n  y\r\nc: "q" \r\nd:\r\n  - e\r\n',
    'fast',
  ],
  [
    'trailing spaces and tabs after values and keys',
    'a: 1  \nb: x\t\nc: "q"\t\nd:  \ne  : f\n',
    'fallback',
  ],
  ['a tab inside a value', 'a: x\ty\n', 'fallback'],
  ['a tab-only line between entries', 'a: 1\n\t\nb: 2\n', 'fallback'],
  ['trailing spaces after values and keys', 'a: 1  \nd:  \ne  : f\n', 'fast'],
  [
    'comments that are and are not comments',
    'a: x#y\nb: x # y\nc: "#" # z\nd: [a] # e\n# f: g\n  # indented\nh: i\n',
    'fast',
  ],
  ['a comment right after a quote', 'a: "x"# y\n', 'fallback'],
  ['a sequence of scalars without any colon', '- a\n- b\n- - c\n  - d\n', 'fast'],
  ['a quoted key followed by text', '"a" b: c\n', 'fallback'],
  ['an escaped quote and a doubled single quote', "a: \"x\\\"y\"\nb: 'it''s'\n", 'fast'],
  ['an unfinished escape', 'a: "x\\', 'fallback'],
]

describe('fast YAML reader', () => {
  it.each(samples)('%s', (_label, text, path) => {
    expect(agrees(text)).toBe(path)
  })

  it.each(['data/argocd/crds/application-crd.yaml', 'data/argocd/crds/appproject-crd.yaml'])(
    'reads %s exactly as js-yaml does, on the fast path',
    (file) => {
      const text = readFileSync(join(repositoryRoot, file), 'utf8')
      for (const chunk of splitDocuments(text)) expect(agrees(chunk.text)).toBe('fast')
    },
  )
})
