import { ExitCode } from '../errors'

/**
 * The registry answered in a way that stops the operation. Every registry failure is one
 * of these, so a caller can turn them all into its own verdict; the message is safe to
 * print (a status and an error code at most, never what the server echoed).
 */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

/** A registry demanded credentials that were not found, or refused the ones given. */
export class RegistryAuthError extends RegistryError {
  readonly exitCode = ExitCode.Failed
  constructor(message: string, status?: number) {
    super(message, status)
    this.name = 'RegistryAuthError'
  }
}

/** The registry answered plain HTTP where HTTPS was expected (or the reverse). */
export class RegistryProtocolError extends RegistryError {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryProtocolError'
  }
}

/** The registry could not be reached at all (refused, reset, DNS, timeout). */
export class RegistryUnreachableError extends RegistryError {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryUnreachableError'
  }
}
