import { ExitCode } from '../errors'

/**
 * The write-back ran and could not be done: the image is in none of the files,
 * someone else changed the same value, or the remote refused the push. Exit 1,
 * as for any check that ran and failed.
 */
export class WriteBackFailure extends Error {
  readonly exitCode = ExitCode.Failed
  constructor(message: string) {
    super(message)
    this.name = 'WriteBackFailure'
  }
}
