import { UsageError } from './errors'

/**
 * Reads action inputs the way the runner passes them: INPUT_<NAME> with the
 * name upper-cased and spaces turned into underscores (hyphens stay), trimmed,
 * as @actions/core's getInput does. Kept free of @actions/core so that input
 * parsing is tested by setting environment variables.
 */
export class ActionInputs {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The input's value, or undefined when it is empty or not set. */
  optional(name: string): string | undefined {
    const value = this.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim()
    return value ? value : undefined
  }

  required(name: string, example: string): string {
    const value = this.optional(name)
    if (value === undefined) throw new UsageError(`input '${name}' is required (e.g. ${example})`)
    return value
  }

  /** Newline-separated values; with `commas`, commas separate values too. */
  list(name: string, { commas }: { commas: boolean }): string[] {
    const value = this.optional(name) ?? ''
    return value
      .split(commas ? /[\n,]/ : /\n/)
      .map((item) => item.trim())
      .filter(Boolean)
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name)
    if (value === undefined) return fallback
    if (value === 'true' || value === 'false') return value === 'true'
    throw new UsageError(`input '${name}' is '${value}': expected true or false`)
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.optional(name)
    if (value === undefined) return fallback
    if ((allowed as readonly string[]).includes(value)) return value as T
    throw new UsageError(`input '${name}' is '${value}': expected one of ${allowed.join(', ')}`)
  }

  /**
   * An input that replaced `formerName`: its value, else the former input's, in which
   * case (and whenever the former name is set) a deprecation message is added to
   * `deprecations` for the action to print as a warning.
   */
  renamed(name: string, formerName: string, deprecations: string[]): string | undefined {
    const value = this.optional(name)
    const former = this.optional(formerName)
    if (former !== undefined) {
      deprecations.push(
        value === undefined
          ? `input '${formerName}' is deprecated and will be removed in the next major release; rename it to '${name}'`
          : `input '${formerName}' is deprecated and ignored because '${name}' is set; remove it`,
      )
    }
    return value ?? former
  }

  /** A whole number of at least `min`. */
  integer(name: string, fallback: number, min: number): number {
    const value = this.optional(name)
    if (value === undefined) return fallback
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new UsageError(`input '${name}' is '${value}': expected a whole number from ${min}`)
    }
    return Number(value)
  }
}
