import {
  boolYaml11Tag,
  CORE_SCHEMA,
  defineScalarTag,
  mergeTag,
  NOT_RESOLVED,
  type Schema,
} from 'js-yaml'

/*
 * The API server, kubectl and kubeconform read manifests with sigs.k8s.io/yaml, which is
 * go-yaml v2 (YAML 1.1 scalars) converted to JSON. This schema resolves plain scalars the way
 * go-yaml v2 does, so a value golden-path reads is the value the cluster reads:
 * - booleans: true/false and y/yes/on, n/no/off, each as written all lower, Capitalised or ALL
 *   UPPER (`yEs` stays a string);
 * - integers: underscores are dropped, then Go's ParseInt with base 0 (`0x1F`, `0o17`, `0b101`,
 *   and a leading 0 means octal: `0644` is 420); otherwise a float of the form
 *   [-+]?(.d+|d+(.d*)?)([eE][-+]?d+)? (`08` is 8, `1_0.5` is 10.5) within a float64's range
 *   (`1e400` stays a string), or .inf/.nan;
 * - timestamps stay strings (go-yaml hands them to JSON as written);
 * - `!!binary` is base64-decoded into a string;
 * - merge keys (`<<`) are honoured.
 */

const numberFirstChars = [...'0123456789+-.']

const goFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/
const goSpecialFloats: Record<string, number> = {
  '.inf': Number.POSITIVE_INFINITY,
  '.Inf': Number.POSITIVE_INFINITY,
  '.INF': Number.POSITIVE_INFINITY,
  '+.inf': Number.POSITIVE_INFINITY,
  '+.Inf': Number.POSITIVE_INFINITY,
  '+.INF': Number.POSITIVE_INFINITY,
  '-.inf': Number.NEGATIVE_INFINITY,
  '-.Inf': Number.NEGATIVE_INFINITY,
  '-.INF': Number.NEGATIVE_INFINITY,
  '.nan': Number.NaN,
  '.NaN': Number.NaN,
  '.NAN': Number.NaN,
}

/** Go's strconv.ParseInt(text, 0, 64) without its range check, or undefined. */
function goParseInt(text: string): number | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text)
  if (!match) return undefined
  const sign = match[1] === '-' ? -1 : 1
  const digits = match[2]
  let value: number
  if (/^0[xXoObB]/.test(digits)) value = Number(digits.toLowerCase())
  else if (digits.length > 1 && digits[0] === '0') value = Number.parseInt(digits, 8)
  else value = Number(digits)
  return sign * value
}

/**
 * The number go-yaml v2 reads from a plain scalar, or undefined when it reads a string.
 * Only scalars starting with a digit, `+`, `-` or `.` can be numbers.
 */
export function goYamlNumber(text: string): number | undefined {
  const special = goSpecialFloats[text]
  if (special !== undefined) return special
  const first = text.charCodeAt(0)
  const numeric = (first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46
  if (!numeric) return undefined
  const plain = text.indexOf('_') === -1 ? text : text.replace(/_/g, '')
  const integer = goParseInt(plain)
  if (integer !== undefined) return integer
  if (!goFloat.test(plain)) return undefined
  // Go's ParseFloat fails on a value out of range (`1e400`): go-yaml then keeps the text.
  const float = Number(plain)
  return Number.isFinite(float) ? float : undefined
}

const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: numberFirstChars,
  resolve: (source) => {
    const value = goYamlNumber(source)
    return value === undefined || !Number.isInteger(value) ? NOT_RESOLVED : value
  },
  identify: (data) => typeof data === 'number' && Number.isInteger(data),
})

const floatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: numberFirstChars,
  resolve: (source) => {
    const value = goYamlNumber(source)
    return value === undefined ? NOT_RESOLVED : value
  },
  identify: (data) => typeof data === 'number' && !Number.isInteger(data),
})

const binaryText = new TextDecoder('utf-8')

/**
 * `!!binary`: go-yaml decodes the base64 into bytes that sigs.k8s.io/yaml hands to JSON as a
 * string (bytes that are not UTF-8 become U+FFFD).
 */
const binaryTag = defineScalarTag<string>('tag:yaml.org,2002:binary', {
  resolve: (source) => {
    const compact = source.replace(/[\s]/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return NOT_RESOLVED
    return binaryText.decode(Buffer.from(compact, 'base64'))
  },
  identify: () => false,
})

/** YAML read as Kubernetes reads it (go-yaml v2 scalars through sigs.k8s.io/yaml). */
export const kubernetesSchema: Schema = CORE_SCHEMA.withTags(
  boolYaml11Tag,
  intTag,
  floatTag,
  binaryTag,
  mergeTag,
)

/** The YAML 1.1 words go-yaml v2 reads as booleans, beside true/false. */
const yaml11Booleans = new Map<string, boolean>()
for (const word of ['y', 'yes', 'on', 'n', 'no', 'off']) {
  const value = word[0] !== 'n' && word !== 'off'
  for (const spelling of [word, word[0].toUpperCase() + word.slice(1), word.toUpperCase()]) {
    yaml11Booleans.set(spelling, value)
  }
}

/** The boolean a YAML 1.1 word (`yes`, `Off`...) means, or undefined for any other text. */
export function yaml11Boolean(text: string): boolean | undefined {
  return yaml11Booleans.get(text)
}

/**
 * The pointed message for the classic mistake: a word such as `yes` where a string belongs.
 * `token` is the plain scalar as written in the source.
 */
export function yaml11BooleanHint(token: string, expected: string): string | undefined {
  if (!yaml11Booleans.has(token)) return undefined
  return `\`${token}\` is a boolean in Kubernetes YAML; quote it (expected ${expected})`
}

const nullWords = new Set(['', '~', 'null', 'Null', 'NULL'])
const coreBooleans = new Map([
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
])

/** What an untagged plain scalar means to Kubernetes: null, a boolean, a number or the text. */
export function kubernetesPlainScalar(text: string): unknown {
  if (nullWords.has(text)) return null
  const boolean = coreBooleans.get(text) ?? yaml11Booleans.get(text)
  if (boolean !== undefined) return boolean
  return goYamlNumber(text) ?? text
}
