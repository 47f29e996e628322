import { PassThrough } from 'node:stream'
import type { CliIO } from '../../cli/src/command'
import { main } from '../../cli/src/main'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `golden-path <args>` in-process with captured streams, as a user would see it. */
export async function runCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  /** Written to the command's stdin, which is then closed (e.g. a password for *-stdin flags). */
  stdinText?: string,
): Promise<CliRun> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()))
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()))
  const stdin = new PassThrough()
  if (stdinText !== undefined) stdin.end(stdinText)
  const io: CliIO = { stdout, stderr, stdin, env, cwd }
  const code = await main(args, io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}
