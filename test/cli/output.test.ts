import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { DescriptorOutput } from '../../cli/src/output'

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: write failed`), { code })
}

/** A stream that keeps every byte it is given. */
function collectingStream() {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk))
      done()
    },
  })
  return { stream, bytes: () => Buffer.concat(chunks) }
}

describe('DescriptorOutput', () => {
  it('writes all of a text through a descriptor that takes a few bytes at a time', () => {
    const written: Buffer[] = []
    const output = new DescriptorOutput(
      1,
      () => {
        throw new Error('the stream is not needed')
      },
      (_fd, bytes, offset) => {
        const piece = bytes.subarray(offset, offset + 3)
        written.push(Buffer.from(piece))
        return piece.length
      },
    )
    output.write('naïve — ✓\n')
    output.write('second line\n')
    expect(Buffer.concat(written).toString()).toBe('naïve — ✓\nsecond line\n')
  })

  it('hands the rest to the stream, in order, once a non-blocking descriptor is full', () => {
    const written: Buffer[] = []
    const { stream, bytes } = collectingStream()
    let calls = 0
    const output = new DescriptorOutput(
      1,
      () => stream,
      (_fd, bytes, offset) => {
        if (++calls > 1) throw errno('EAGAIN')
        // Stop in the middle of the two bytes of 'ï'.
        const piece = bytes.subarray(offset, offset + 3)
        written.push(Buffer.from(piece))
        return piece.length
      },
    )
    output.write('naïve\n')
    output.write('then the stream\n')
    expect(Buffer.concat([...written, bytes()]).toString()).toBe('naïve\nthen the stream\n')
  })

  it('drops the rest quietly when the reader has gone away', () => {
    let calls = 0
    const output = new DescriptorOutput(
      1,
      () => {
        throw new Error('the stream is not needed')
      },
      () => {
        calls++
        throw errno('EPIPE')
      },
    )
    expect(() => {
      output.write('first\n')
      output.write('second\n')
    }).not.toThrow()
    expect(calls).toBe(1)
  })

  it('lets any other write failure through', () => {
    const output = new DescriptorOutput(
      1,
      () => {
        throw new Error('the stream is not needed')
      },
      () => {
        throw errno('EIO')
      },
    )
    expect(() => output.write('text\n')).toThrow(/EIO/)
  })
})
