import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors'
import type { CommandRunner } from '../ports'
import type { DeliveryStep } from './delivery-pipeline'
import { noTestCommandMessage, resolveTestCommand, type TestCommand } from './test-command'

export interface TestStepOptions {
  servicePath: string
  /** The resolved command (see planTestCommand), run with `sh -c` in the service directory. */
  test: TestCommand
  runner: CommandRunner
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ')
}

/**
 * The test command for a service, decided before anything is built: the explicit
 * `--test-command`, or detected from the files in the service directory. An npm
 * script that package.json does not define, or a service nothing says how to test,
 * is an input error (exit 2).
 */
export function planTestCommand(options: {
  servicePath: string
  /** What the user calls the service directory in messages. */
  displayPath: string
  explicit?: string
  npmScript?: string
}): TestCommand {
  if (!existsSync(options.servicePath)) {
    throw new UsageError(`--service '${options.displayPath}' does not exist`)
  }
  const files = readdirSync(options.servicePath)
  const test = resolveTestCommand({
    explicit: options.explicit,
    npmScript: options.npmScript,
    files,
  })
  if (!test) throw new UsageError(noTestCommandMessage(options.displayPath))
  if (test.reason === 'package.json') {
    const script = options.npmScript ?? 'test'
    const manifest = JSON.parse(readFileSync(join(options.servicePath, 'package.json'), 'utf8'))
    const scripts = (manifest.scripts ?? {}) as Record<string, string>
    if (!(script in scripts)) {
      const known = Object.keys(scripts).join(', ') || 'none'
      throw new UsageError(
        `'${options.displayPath}/package.json' has no script '${script}' (scripts: ${known}); pass --test-script NAME or --test-command CMD`,
      )
    }
  }
  return test
}

/** The service's tests, as deliver.yml's test job runs them: `sh -c <command>` in the service directory. */
export function testStep(options: TestStepOptions): DeliveryStep {
  return {
    name: 'test',
    async run() {
      const { command } = options.test
      const result = await options.runner.run('sh', ['-c', command], {
        cwd: options.servicePath,
        env: options.env,
        timeoutMs: options.timeoutMs ?? 600_000,
      })
      if (result.exitCode !== 0) {
        return {
          status: 'failed',
          detail: `${command} exited ${result.exitCode}: ${lastLines(result.stderr || result.stdout)}`,
        }
      }
      return { status: 'passed', detail: `${command} passed` }
    },
  }
}
