import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ExitCode, UsageError } from '../../actions/lib/errors'
import type { CliIO, Command } from '../../cli/src/command'
import { main } from '../../cli/src/main'

function capturingIO(): CliIO & { out(): string; err(): string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  return {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  }
}

function commandThatThrows(error: unknown): Command {
  return {
    name: 'fail',
    summary: 'Fails on purpose',
    usage: 'Usage: golden-path fail',
    async run() {
      throw error
    },
  }
}

const checkCommand: Command = {
  name: 'check',
  summary: 'Runs a check that finds problems',
  usage: 'Usage: golden-path check [--strict]',
  async run(args, io) {
    io.stdout.write(`checked ${args.join(' ')}\n`)
    return ExitCode.Failed
  },
}

describe('golden-path main() dispatcher', () => {
  it('hands the remaining arguments to the command and returns its exit code', async () => {
    const io = capturingIO()
    expect(await main(['check', 'a', 'b'], io, [checkCommand])).toBe(1)
    expect(io.out()).toBe('checked a b\n')
    expect(io.err()).toBe('')
  })

  it('lists the registered commands in --help', async () => {
    const io = capturingIO()
    expect(await main(['--help'], io, [checkCommand, commandThatThrows(new Error('x'))])).toBe(0)
    expect(io.out()).toMatch(/^ {2}check {2}Runs a check that finds problems$/m)
    expect(io.out()).toMatch(/^ {2}fail {3}Fails on purpose$/m)
  })

  it.each([
    ['a usage error', new UsageError('missing --image'), 'golden-path fail: missing --image'],
    [
      'an unexpected error with a multi-line message',
      new Error('cannot read manifests\n  at line 3\n  of kustomization.yaml'),
      'golden-path fail: cannot read manifests at line 3 of kustomization.yaml',
    ],
    ['a thrown string', 'disk full', 'golden-path fail: disk full'],
  ])(
    'turns %s into one stderr line and exit 2, without a stack trace',
    async (_case, error, line) => {
      const io = capturingIO()
      expect(await main(['fail'], io, [commandThatThrows(error)])).toBe(2)
      expect(io.err()).toBe(`${line}\n`)
      expect(io.err()).not.toMatch(/\bat .+:\d+:\d+/)
      expect(io.out()).toBe('')
    },
  )

  it('prints a command usage for --help anywhere in its arguments without running it', async () => {
    const io = capturingIO()
    expect(await main(['fail', '--image', 'x', '--help'], io, [commandThatThrows('ran')])).toBe(0)
    expect(io.out()).toBe('Usage: golden-path fail\n')
  })
})
