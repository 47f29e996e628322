/**
 * Number, duration and label formatting exactly as Prometheus' Go libraries print them, so that
 * generated rules match sloth's byte for byte (sloth renders with Go's `%g`, `strconv` and
 * `prometheus/common/model`).
 */

const millisecondsPer = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const

type DurationUnit = keyof typeof millisecondsPer

const durationPattern =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/

/**
 * A Prometheus duration (`5m`, `1h30m`, `30d`) in milliseconds, or undefined when the text is
 * not one. Units go from years down to milliseconds, each at most once, as Prometheus parses them.
 */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined
  const match = durationPattern.exec(text)
  if (!match) return undefined
  const units: DurationUnit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms']
  let total = 0
  units.forEach((unit, index) => {
    const value = match[index + 1]
    if (value !== undefined) total += Number(value) * millisecondsPer[unit]
  })
  return Number.isSafeInteger(total) ? total : undefined
}

/**
 * A duration as Prometheus prints it: years and weeks only when they divide it exactly (`4w`
 * for 28 days, `30d` for 30), then days, hours, minutes, seconds, milliseconds.
 */
export function formatPrometheusDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s'
  let rest = milliseconds
  let text = ''
  const take = (unit: DurationUnit, exact: boolean) => {
    const size = millisecondsPer[unit]
    if (exact && rest % size !== 0) return
    const count = Math.floor(rest / size)
    if (count > 0) {
      text += `${count}${unit}`
      rest -= count * size
    }
  }
  take('y', true)
  take('w', true)
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) take(unit, false)
  return text
}

/**
 * Go's `%g` for a float64 (shortest digits that read back to the same number; exponent form
 * when the exponent is below -4 or at least 21), e.g. 0.0009999999999999432, 14.4, 1e-05.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const [mantissa, exponentText] = value.toExponential().split('e')
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 21) {
    const sign = exponent < 0 ? '-' : '+'
    const digits = String(Math.abs(exponent)).padStart(2, '0')
    return `${mantissa}e${sign}${digits}`
  }
  return plainDecimal(value)
}

/** Go's `strconv.FormatFloat(value, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatGoFixed(value: number): string {
  return plainDecimal(value)
}

function plainDecimal(value: number): string {
  const [mantissa, exponentText] = value.toExponential().split('e')
  const exponent = Number(exponentText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  let text: string
  if (exponent < 0) {
    text = `0.${'0'.repeat(-exponent - 1)}${digits}`
  } else if (digits.length <= exponent + 1) {
    text = digits + '0'.repeat(exponent + 1 - digits.length)
  } else {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`
  }
  return negative ? `-${text}` : text
}

/** Go's `strconv.Quote` for the label values a rule filter holds. */
export function goQuote(text: string): string {
  let quoted = '"'
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0
    switch (character) {
      case '"':
        quoted += '\\"'
        break
      case '\\':
        quoted += '\\\\'
        break
      case '\x07':
        quoted += '\\a'
        break
      case '\b':
        quoted += '\\b'
        break
      case '\f':
        quoted += '\\f'
        break
      case '\n':
        quoted += '\\n'
        break
      case '\r':
        quoted += '\\r'
        break
      case '\t':
        quoted += '\\t'
        break
      case '\v':
        quoted += '\\v'
        break
      default:
        if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, '0')}`
        else quoted += character
    }
  }
  return `${quoted}"`
}

/**
 * A label matcher set as `prometheus/common`'s `LabelSet.String()` prints it: names sorted,
 * `name="value"` pairs joined by ", " in braces.
 */
export function labelFilter(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort()
  return `{${names.map((name) => `${name}=${goQuote(labels[name])}`).join(', ')}}`
}
