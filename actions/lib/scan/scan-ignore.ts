import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { UsageError } from '../errors'

/** An accepted risk: a vulnerability (optionally in one package) ignored until a date. */
export interface IgnoreEntry {
  id: string
  package?: string
  /** YYYY-MM-DD; the entry applies up to and including this day (UTC). */
  expires: string
  reason: string
}

export const defaultIgnoreFile = '.golden-path/scan-ignore.yaml'

const allowedKeys = new Set(['id', 'package', 'expires', 'reason'])

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
}

/**
 * Parses an ignore file. Every entry must say until when and why: an entry
 * without `expires` or `reason` would be a silent, permanent exception, so the
 * whole file is rejected (exit 2) rather than partly applied.
 */
export function parseIgnoreFile(text: string, source: string): IgnoreEntry[] {
  let document: unknown
  try {
    document = parse(text)
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line
    throw new UsageError(`ignore file ${source} is not valid YAML${line ? ` (line ${line})` : ''}`)
  }
  if (document === null || document === undefined) return []
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new UsageError(`ignore file ${source} must be a mapping with a 'vulnerabilities' list`)
  }
  const list = (document as Record<string, unknown>).vulnerabilities ?? []
  if (!Array.isArray(list)) {
    throw new UsageError(`ignore file ${source}: 'vulnerabilities' must be a list`)
  }
  return list.map((raw, index) => {
    const where = `ignore file ${source}: vulnerabilities[${index}]`
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new UsageError(`${where} must be a mapping with id, expires and reason`)
    }
    const entry = raw as Record<string, unknown>
    const unknown = Object.keys(entry).find((key) => !allowedKeys.has(key))
    if (unknown) {
      throw new UsageError(
        `${where} has unknown key '${unknown}' (allowed: id, package, expires, reason)`,
      )
    }
    const label = typeof entry.id === 'string' && entry.id ? ` (${entry.id})` : ''
    if (typeof entry.id !== 'string' || entry.id.trim() === '') {
      throw new UsageError(`${where} has no 'id'`)
    }
    if (entry.expires === undefined || entry.expires === null || entry.expires === '') {
      throw new UsageError(
        `${where}${label} has no 'expires' date; every accepted risk must expire`,
      )
    }
    if (typeof entry.expires !== 'string' || !isCalendarDate(entry.expires)) {
      throw new UsageError(
        `${where}${label}: expires '${String(entry.expires)}' is not a date (YYYY-MM-DD)`,
      )
    }
    if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
      throw new UsageError(`${where}${label} has no 'reason'; say why the risk is accepted`)
    }
    if (
      entry.package !== undefined &&
      (typeof entry.package !== 'string' || entry.package === '')
    ) {
      throw new UsageError(`${where}${label}: package must be a package name`)
    }
    return {
      id: entry.id.trim(),
      package: entry.package as string | undefined,
      expires: entry.expires,
      reason: entry.reason.trim(),
    }
  })
}

/**
 * Reads the ignore file. The default path may be absent (no accepted risks);
 * a path the user named must exist.
 */
export async function readIgnoreFile(path: string, explicit: boolean): Promise<IgnoreEntry[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !explicit) return []
    throw new UsageError(
      code === 'ENOENT'
        ? `ignore file ${path} not found`
        : `cannot read ignore file ${path}: ${code}`,
    )
  }
  return parseIgnoreFile(text, path)
}

/** Whether the entry has expired on the UTC day of `now`. */
export function isExpired(entry: IgnoreEntry, now: number): boolean {
  const today = new Date(now).toISOString().slice(0, 10)
  return today > entry.expires
}
