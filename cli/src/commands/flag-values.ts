import { UsageError } from '../../../actions/lib/errors'

/** A size in MiB from a flag, as bytes. */
export function parseSizeBudget(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
    throw new UsageError(`invalid ${flag} '${value}': expected a size in MiB, e.g. 200`)
  }
  return Math.round(Number(value) * 1024 * 1024)
}

/** 'true' or 'false', as the action inputs spell booleans. */
export function parseBoolean(flag: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (value === 'true' || value === 'false') return value === 'true'
  throw new UsageError(`invalid ${flag} '${value}': expected true or false`)
}
