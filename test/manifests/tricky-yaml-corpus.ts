/*
 * A generated corpus of manifests written with the YAML that tools disagree on: YAML 1.1
 * booleans and numbers, quoting, tags, anchors and merge keys, block scalars, odd whitespace,
 * duplicate keys. Seeded, so the same corpus every run; each document gets its own file.
 */

function random(initial: number): () => number {
  let state = initial
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Values written where a string belongs (ConfigMap data, labels, an env value). */
const stringSlotValues = [
  'yes',
  'Yes',
  'YES',
  'no',
  'No',
  'on',
  'ON',
  'off',
  'Off',
  'y',
  'Y',
  'n',
  'N',
  'yEs',
  'oN',
  'true',
  'False',
  'null',
  '~',
  '"yes"',
  "'no'",
  '"on"',
  'hello',
  '0644',
  '0999',
  '08',
  '1_000',
  '0x1F',
  '0o17',
  '0b101',
  '1e3',
  '1.',
  '.5',
  '+1',
  '-0',
  '1:30',
  '2001-12-14',
  '2001-12-14T21:59:43.10-05:00',
  '"0644"',
  '!!str 0644',
  '!!str yes',
  '!!binary aGVsbG8=',
  '|\n    line one\n    line two',
  '>-\n    folded\n    text',
  "'it''s'",
  '"tab\\there"',
  '"caf\\u00e9"',
  'a#b',
  '"#x"',
  '[a, b]',
  '{a: b}',
  '',
  '""',
  '.inf',
  '.NaN',
  '-.Inf',
  '12345678901234567890',
  '0.1e-2',
  '1e400',
]

/** Values written where an integer belongs (replicas, a container port). */
const integerSlotValues = [
  '1',
  '0x10',
  '0o17',
  '010',
  '08',
  '1_0',
  '+3',
  '"3"',
  '3.0',
  '3.5',
  'yes',
  'on',
  'null',
  '~',
  '!!int "3"',
  '1e1',
  '0b11',
  '1:30',
  '.inf',
]

/** Values written where a boolean belongs (automountServiceAccountToken, stdin). */
const booleanSlotValues = [
  'true',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'YES',
  'Off',
  'yEs',
  '"true"',
  'True',
  'TRUE',
  '1',
  '0',
  '!!bool yes',
  'null',
]

/** Whole-document twists: keys that are YAML 1.1 words, anchors, merges, whitespace. */
const documentTwists = [
  'plain',
  'key-yes',
  'key-on',
  'key-y',
  'duplicate',
  'duplicate-by-boolean',
  'anchor-alias',
  'merge',
  'merge-override',
  'tab-after-colon',
  'nbsp-in-value',
  'crlf',
  'comment-continuation',
  'flow-data',
]

export interface CorpusDocument {
  name: string
  text: string
  /**
   * Set where golden-path and kubeconform differ on purpose (docs/validate.md lists why):
   * `merge-override` is a key set next to a merge key that the merged mapping also holds.
   */
  difference?: 'merge-override'
}

export function trickyCorpus(seed: number, count: number): CorpusDocument[] {
  const next = random(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  const documents: CorpusDocument[] = []
  for (let index = 0; index < count; index++) {
    const name = `gen-${String(index).padStart(3, '0')}`
    const slot = next()
    let text: string
    let difference: CorpusDocument['difference']
    if (slot < 0.6) {
      const twist = pick(documentTwists)
      const value = pick(stringSlotValues)
      let data = `  k: ${value}\n`
      if (twist === 'key-yes') data = `  yes: value\n`
      if (twist === 'key-on') data = `  on: ${value}\n`
      if (twist === 'key-y') data = `  y: a\n  n: b\n`
      if (twist === 'duplicate') data = `  k: a\n  k: ${value}\n`
      if (twist === 'duplicate-by-boolean') data = `  yes: a\n  on: b\n`
      if (twist === 'anchor-alias') data = `  a: &v ${value}\n  b: *v\n`
      if (twist === 'merge') data = `  <<: {m: x, n2: y}\n  k: ${value}\n`
      if (twist === 'merge-override') {
        data = `  <<: &base {k: x}\n  k: "${name}"\n`
        difference = 'merge-override'
      }
      if (twist === 'tab-after-colon') data = `  k:\t${value === '' ? 'x' : value.split('\n')[0]}\n`
      if (twist === 'nbsp-in-value') data = `  k: v\u00a0\n`
      if (twist === 'comment-continuation') data = `  k: foo # c\n    bar\n`
      if (twist === 'flow-data') data = `  {k: ${value.includes('\n') ? 'x' : value}}\n`
      const header = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:`
      text = twist === 'flow-data' ? `${header} ${data.trim()}\n` : `${header}\n${data}`
      if (twist === 'crlf') text = text.replace(/\n/g, '\r\n')
    } else if (slot < 0.8) {
      const value = pick(integerSlotValues)
      text = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${value}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app:1.0.0\n`
    } else {
      const value = pick(booleanSlotValues)
      text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  automountServiceAccountToken: ${value}\n  containers:\n    - name: app\n      image: registry.example/app:1.0.0\n`
    }
    documents.push({ name, text, difference })
  }
  return documents
}
