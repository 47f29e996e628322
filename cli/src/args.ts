import { type ParseArgsConfig, parseArgs } from 'node:util'
import { UsageError } from '../../actions/lib/errors'

export type FlagSpec = NonNullable<ParseArgsConfig['options']>

export interface ParsedFlags {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
  positionals: string[]
}

/**
 * Parses a command's flags strictly. Node's own messages are long and suggest
 * `--` tricks; a user needs one line naming the flag that is wrong.
 */
export function parseFlags(
  command: string,
  args: readonly string[],
  options: FlagSpec,
  { positionals = false }: { positionals?: boolean } = {},
): ParsedFlags {
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: positionals,
      allowNegative: false,
    })
    return { values: parsed.values, positionals: parsed.positionals }
  } catch (error) {
    throw new UsageError(describeParseError(command, error))
  }
}

function describeParseError(command: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  const message = error instanceof Error ? error.message : String(error)
  const quoted = /'([^']+)'/.exec(message)?.[1]
  const help = `run 'golden-path ${command} --help'`
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag '${quoted ?? message}' for '${command}' (${help})`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted ?? message}' for '${command}' (${help})`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[\w-]+/.exec(message)?.[0] ?? quoted ?? 'a flag'
      return `flag '${flag}' needs a value (${help})`
    }
    default:
      return `${message.split('\n')[0]} (${help})`
  }
}

/** The one accepted value among `allowed`, or a UsageError that lists them. */
export function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`invalid --${flag} '${value}': expected one of ${allowed.join(', ')}`)
}

/** A flag given once at most, as a string (or undefined). */
export function stringFlag(values: ParsedFlags['values'], name: string): string | undefined {
  const value = values[name]
  if (value === undefined) return undefined
  if (Array.isArray(value)) return String(value[value.length - 1])
  return typeof value === 'string' ? value : undefined
}

/** A repeatable flag (`multiple: true`), as strings. */
export function listFlag(values: ParsedFlags['values'], name: string): string[] {
  const value = values[name]
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}
