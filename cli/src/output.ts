import { writeSync } from 'node:fs'

/** Where a command writes its text: process.stdout, a test's sink, or a DescriptorOutput. */
export interface TextOutput {
  write(text: string): unknown
}

type WriteBytes = (fd: number, bytes: Uint8Array, offset: number) => number

/**
 * Writes to stdout or stderr straight through the file descriptor. Creating process.stdout
 * costs about 5 ms, an eighth of a short command's run, and a command's text is written in a
 * few large pieces that need no stream. A reader that has gone away (EPIPE, as in
 * `golden-path validate | head -1`) drops the rest quietly; a descriptor the parent left
 * non-blocking and full (EAGAIN) hands the rest to the stream, which waits for it.
 */
export class DescriptorOutput implements TextOutput {
  /** The stream that takes over once the descriptor would block. */
  #fallback: NodeJS.WritableStream | undefined
  #closed = false

  constructor(
    private readonly fd: number,
    private readonly openStream: () => NodeJS.WritableStream,
    private readonly writeBytes: WriteBytes = (fd, bytes, offset) => writeSync(fd, bytes, offset),
  ) {}

  write(text: string): boolean {
    if (this.#closed || text === '') return true
    if (this.#fallback) return this.#fallback.write(text) !== false
    const bytes = Buffer.from(text)
    let offset = 0
    try {
      while (offset < bytes.length) offset += this.writeBytes(this.fd, bytes, offset)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') {
        this.#closed = true
        return true
      }
      if (code !== 'EAGAIN') throw error
      this.#fallback = this.openStream()
      this.#fallback.write(bytes.subarray(offset))
    }
    return true
  }
}
