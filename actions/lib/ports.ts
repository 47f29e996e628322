/**
 * The ports every core function receives instead of reaching for `@actions/core`,
 * `child_process` or `fetch` itself. The action entry and the CLI each hand in
 * their own implementation; tests hand in real ones where the real thing runs
 * here and small fakes only where it cannot.
 */
export interface Logger {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
  error(message: string): void
}

/** A logger that drops everything: the default in tests. */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warning() {},
  error() {},
}

export interface CommandOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer
  /** Kill the child (SIGKILL) after this many milliseconds. */
  timeoutMs?: number
  /** Sees the child's stdout and stderr as they arrive (they are still collected). */
  onOutput?: (text: string) => void
}

export interface CommandResult {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs a program with an argument vector, never through a shell, so values that
 * come from users (tags, paths, refs) cannot be interpreted as shell syntax.
 */
export interface CommandRunner {
  run(command: string, args: readonly string[], options?: CommandOptions): Promise<CommandResult>
}

/** Raised when a program cannot be started at all (not installed, not executable). */
export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`'${command}' is not installed or not on PATH`)
    this.name = 'CommandNotFoundError'
  }
}

export const spawnRunner: CommandRunner = {
  run(command, args, options = {}) {
    return new Promise((resolve, reject) => {
      // Loaded on first use: child_process brings net and dgram with it, start-up time that
      // commands which never run a program should not pay.
      const { spawn } = process.getBuiltinModule('node:child_process')
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      let timer: NodeJS.Timeout | undefined
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
      }
      const { onOutput } = options
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk)
        onOutput?.(chunk.toString('utf8'))
      })
      child.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk)
        onOutput?.(chunk.toString('utf8'))
      })
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer)
        reject(error.code === 'ENOENT' ? new CommandNotFoundError(command) : error)
      })
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer)
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        })
      })
      // A child that exits before reading its stdin closes the pipe; that is not our error.
      child.stdin.on('error', () => {})
      child.stdin.end(options.input ?? '')
    })
  },
}

/** The wall clock, injectable so that timeouts and timestamps are testable. */
export interface Clock {
  now(): number
  sleep(milliseconds: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
}
