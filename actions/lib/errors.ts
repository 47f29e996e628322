import { redact } from './redaction'

/**
 * Exit codes shared by every golden-path command and action:
 * 0 success, 1 the check ran and failed (findings, gate, verification),
 * 2 the check could not run (usage, unreadable input, malformed data).
 */
export const ExitCode = {
  Success: 0,
  Failed: 1,
  Usage: 2,
} as const

/**
 * A mistake in how golden-path was called or in the input it was given. The
 * message names the flag, input or file and what would be accepted, on one line.
 */
export class UsageError extends Error {
  readonly exitCode = ExitCode.Usage
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * The message of anything thrown, on a single line, for a one-line report, with URL userinfo
 * and the secrets in use masked (every command and action reports errors through here).
 */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return redact(message.replace(/\s*\n\s*/g, ' ').trim())
}
