import { isDeepStrictEqual } from 'node:util'
import { loadAll } from 'js-yaml'
import { describe, expect, it } from 'vitest'
import { parseSimpleYaml, UnsupportedYaml } from '../../actions/lib/manifests/fast-yaml'
import { kubernetesSchema } from '../../actions/lib/manifests/kubernetes-yaml'

/*
 * A differential test of the fast reader against js-yaml (with the same Kubernetes schema):
 * documents are generated from the pieces the fast reader could get wrong, and every document
 * it reads must read identically through js-yaml; anything else must be refused (then js-yaml
 * reads it in production). The seed is fixed so CI is reproducible; set
 * YAML_DIFFERENTIAL_SEED to explore others. A failure prints the seed and the document.
 */
const documentCount = 20_000
const defaultSeed = 0x13_57_9b_df
const seed = Number(process.env.YAML_DIFFERENTIAL_SEED ?? defaultSeed) >>> 0

/** mulberry32: small, fast and good enough to pick pieces. */
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

const plainKeys = ['name', 'app.kubernetes.io/name', 'a b', 'x:y', 'image', 'k8s', 'data', 'url']
const riskyKeys = ['yes', 'on', 'null', 'true', '1', '"quoted"', "'single quoted'", '"a: b"', '~']
const plainValues = [
  'v',
  'hello world',
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'n',
  'yEs',
  'true',
  'False',
  'null',
  '~',
  '0777',
  '08',
  '0',
  '-0',
  '1_000',
  '0x1F',
  '0o17',
  '0b101',
  '1e3',
  '1e400',
  '-1e999',
  '.5',
  '1.',
  '+.inf',
  '.NaN',
  '100m',
  '128Mi',
  '1.2.3',
  '1:30',
  '2001-12-14',
  'a#b',
  'http://x:80/y',
  '-1',
  "it's",
  '[a, b]',
  '{a: 1, b: [x, yes]}',
  '[]',
  '{}',
  '"q"',
  "'q'",
  '"a\\tb"',
  '"x\\u00e9 \\"y\\""',
  "'it''s'",
  'x,y',
]
const riskyValues = [
  '@at',
  '%pct',
  '!tag',
  '&anchor v',
  '*alias',
  '-',
  '?',
  '"unterminated',
  'a: b',
]
const safeBlanks = ['', '', ' ', '  ']
const riskyBlanks = ['\t', ' \t', '\u00a0', ' \u00a0', '\u2028']
const safeComments = ['', '', '', ' # c', '  # c: d']
const riskyComments = ['\t# c', '# c', ' #', ' \u00a0# c']
const safeBlockHeaders = ['|', '|-', '| # c']
const riskyBlockHeaders = ['|+', '|2', '|1-', '|+2', '>', '>-', '>+', '|-\t']
const lineEnds = ['\n', '\n', '\n', '\r\n']

class DocumentGenerator {
  /** How likely each spot of the current document gets a risky piece. */
  private risk = 0

  constructor(private readonly next: () => number) {}

  /** A safe piece, or now and then a risky one. */
  either<T>(safe: readonly T[], risky: readonly T[]): T {
    return this.pick(this.chance(this.risk) ? risky : safe)
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  key(): string {
    return this.either(plainKeys, riskyKeys)
  }

  scalar(): string {
    return this.chance(0.1) ? '' : this.either(plainValues, riskyValues)
  }

  /** Lines of a block scalar's body, relative to `indent`. */
  blockBody(indent: number): string[] {
    const base = indent + (this.chance(0.8) ? 2 : 1)
    const lines: string[] = []
    const count = 1 + Math.floor(this.next() * 4)
    for (let index = 0; index < count; index++) {
      const roll = this.next()
      if (roll < 0.2) lines.push(' '.repeat(this.pick([0, base, base + 2])))
      else if (roll < 0.35) lines.push(`${' '.repeat(base + 2)}deeper ${index}`)
      else if (roll < 0.35 + this.risk / 4) lines.push(`${' '.repeat(base)}\ttabbed`)
      else lines.push(`${' '.repeat(base)}line ${index}${this.pick(['', ' ', ' # not a comment'])}`)
    }
    if (this.chance(0.3)) lines.push('')
    return lines
  }

  /** The text after `key:` (or `-`) and any lines that continue it. */
  value(indent: number, depth: number): string[] {
    const roll = this.next()
    if (depth < 3 && roll < 0.25)
      return ['', ...this.mapping(indent + this.pick([2, 2, 4]), depth + 1)]
    if (depth < 3 && roll < 0.35) {
      const inner = this.chance(0.5) ? indent : indent + 2
      return ['', ...this.sequence(inner, depth + 1)]
    }
    if (roll < 0.5) {
      const header = this.either(safeBlockHeaders, riskyBlockHeaders)
      return [` ${header}`, ...this.blockBody(indent)]
    }
    const first = `${this.either(safeBlanks, riskyBlanks)}${this.scalar()}${this.either(safeBlanks, riskyBlanks)}${this.either(safeComments, riskyComments)}`
    const lines = [first === '' ? '' : ` ${first}`]
    if (this.chance(0.1 + this.risk)) {
      // A plain or quoted scalar continued on more indented lines.
      const continuation = ' '.repeat(indent + this.pick([1, 2, 4]))
      if (this.chance(0.3)) lines.push(this.pick(['', `${' '.repeat(indent)}# between`, '  ']))
      lines.push(
        `${continuation}${this.pick(['more', 'more text', 'x: y', '- item', '# c', 'end"', "end'", '\tx'])}`,
      )
    }
    return lines
  }

  mapping(indent: number, depth: number): string[] {
    const lines: string[] = []
    const count = 1 + Math.floor(this.next() * 4)
    for (let index = 0; index < count; index++) {
      if (this.chance(0.1)) lines.push(`${' '.repeat(this.pick([0, indent]))}# comment`)
      const [first, ...rest] = this.value(indent, depth)
      const separator = this.either([':'], [' :', ':\t', '\t:'])
      lines.push(
        `${' '.repeat(indent)}${this.key()}${this.either([''], ['\u00a0', ' '])}${separator}${first}`,
      )
      lines.push(...rest)
    }
    return lines
  }

  sequence(indent: number, depth: number): string[] {
    const lines: string[] = []
    const count = 1 + Math.floor(this.next() * 3)
    for (let index = 0; index < count; index++) {
      if (this.chance(0.4) && depth < 3) {
        const [first, ...rest] = this.mapping(indent + 2, depth + 1)
        lines.push(`${' '.repeat(indent)}- ${first!.trimStart()}`, ...rest)
      } else {
        const [first, ...rest] = this.value(indent, depth)
        lines.push(`${' '.repeat(indent)}-${first}`, ...rest)
      }
    }
    return lines
  }

  document(): string {
    // Most documents hold a risky piece or two; some hold many.
    this.risk = this.pick([0, 0.02, 0.05, 0.1, 0.3])
    const lines = this.chance(0.1) ? this.sequence(0, 0) : this.mapping(0, 0)
    if (this.chance(0.1)) lines.unshift(this.pick(['---', '--- # start', '# header']))
    const end = this.pick(lineEnds)
    return lines.join(end) + (this.chance(0.85) ? end : '')
  }
}

function reference(text: string): { value?: unknown; error?: unknown } {
  try {
    const documents = loadAll(text, { schema: kubernetesSchema })
    const value = documents.find((document) => document !== null && document !== undefined)
    return { value: value ?? undefined }
  } catch (error) {
    return { error }
  }
}

describe('fast YAML reader against js-yaml on generated documents', () => {
  it(`reads ${documentCount} generated block-YAML documents exactly as js-yaml does, or refuses them`, () => {
    const generator = new DocumentGenerator(random(seed))
    let fast = 0
    for (let count = 0; count < documentCount; count++) {
      const text = generator.document()
      let value: unknown
      try {
        value = parseSimpleYaml(text)
      } catch (error) {
        if (error instanceof UnsupportedYaml) continue
        throw error
      }
      fast++
      const expected = reference(text)
      const same = expected.error === undefined && isDeepStrictEqual(value, expected.value)
      if (!same) {
        const why =
          expected.error === undefined
            ? `fast: ${JSON.stringify(value)}\njs-yaml: ${JSON.stringify(expected.value)}`
            : `js-yaml rejects it: ${String(expected.error).split('\n')[0]}`
        expect.fail(
          `seed ${seed} (YAML_DIFFERENTIAL_SEED=${seed}), document ${count}:\n${JSON.stringify(text)}\n${why}`,
        )
      }
    }
    // The generator must exercise the fast path, not only its refusals.
    expect(fast).toBeGreaterThan(documentCount / 5)
  })
})
