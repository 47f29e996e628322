import type { TextOutput } from './output'

/** What a command may touch: its streams, the environment and the working directory. */
export interface CliIO {
  stdout: TextOutput
  stderr: TextOutput
  stdin: NodeJS.ReadableStream
  env: NodeJS.ProcessEnv
  cwd: string
  /** Whether stderr is a terminal: progress lines and colour are for terminals only. */
  stderrIsTTY?: boolean
  /**
   * The CLI's own script, which worker threads start again; only the real entry sets it (a
   * command run in-process by a test stays on one thread).
   */
  entry?: URL
}

export interface Command {
  name: string
  /** One line for `golden-path --help`. */
  summary: string
  /** The full `golden-path <name> --help` text. */
  usage: string
  /** Returns the process exit code; throws UsageError for bad flags or input. */
  run(args: string[], io: CliIO): Promise<number>
}

/**
 * A registry entry: the command's name, and its module, loaded only when that command
 * runs, so that `golden-path validate` does not pay for parsing build, bump and verify.
 */
export interface CommandEntry {
  name: string
  load(): Promise<Command>
}

export async function resolveCommand(entry: Command | CommandEntry): Promise<Command> {
  return 'run' in entry ? entry : entry.load()
}
