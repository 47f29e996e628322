import { ExitCode, oneLine, UsageError } from '../../actions/lib/errors'
import { goldenPathVersion } from '../../actions/lib/version'
import { type CliIO, type Command, type CommandEntry, resolveCommand } from './command'
import { commands } from './commands/index'

function topLevelHelp(available: readonly Command[]): string {
  const width = Math.max(...available.map((command) => command.name.length))
  const lines = available.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`)
  return `golden-path ${goldenPathVersion}: one governed path from commit to a healthy service in Kubernetes

Usage: golden-path <command> [flags]

Commands:
${lines.join('\n')}

Run 'golden-path <command> --help' for a command's flags.
Exit codes: 0 success, 1 check failed, 2 usage or input error.
`
}

/**
 * Dispatches argv to a command and turns whatever it throws into one line on
 * stderr and an exit code: no stack trace ever reaches the user.
 */
export async function main(
  argv: readonly string[],
  io: CliIO,
  available: readonly (Command | CommandEntry)[] = commands,
): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined
    const entry = available.find((candidate) => candidate.name === topic)
    if (topic !== undefined && entry === undefined) {
      io.stderr.write(`golden-path: unknown command '${topic}' (run 'golden-path --help')\n`)
      return ExitCode.Usage
    }
    io.stdout.write(
      entry
        ? `${(await resolveCommand(entry)).usage}\n`
        : topLevelHelp(await Promise.all(available.map(resolveCommand))),
    )
    return name === undefined ? ExitCode.Usage : ExitCode.Success
  }
  if (name === '--version') {
    io.stdout.write(`${goldenPathVersion}\n`)
    return ExitCode.Success
  }
  const entry = available.find((candidate) => candidate.name === name)
  if (entry === undefined) {
    const what = name.startsWith('-') ? 'flag' : 'command'
    io.stderr.write(`golden-path: unknown ${what} '${name}' (run 'golden-path --help')\n`)
    return ExitCode.Usage
  }
  const command = await resolveCommand(entry)
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`)
    return ExitCode.Success
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    // Errors that name their own exit code (UsageError, a registry refusing credentials) keep it.
    const declared = (error as { exitCode?: unknown } | undefined)?.exitCode
    const exitCode =
      error instanceof UsageError
        ? error.exitCode
        : declared === ExitCode.Failed
          ? ExitCode.Failed
          : ExitCode.Usage
    io.stderr.write(`golden-path ${command.name}: ${oneLine(error)}\n`)
    return exitCode
  }
}
