import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CommandRunner } from '../ports'
import type { DeliveryStep } from './delivery-pipeline'

export interface TestStepOptions {
  servicePath: string
  /** npm script run after `npm ci`, as deliver.yml's test-script input. */
  script: string
  runner: CommandRunner
  timeoutMs?: number
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ')
}

/** `npm ci` then `npm run <script>` in the service directory, as deliver.yml's test job. */
export function testStep(options: TestStepOptions): DeliveryStep {
  return {
    name: 'test',
    async run() {
      const manifest = join(options.servicePath, 'package.json')
      if (!existsSync(manifest)) {
        return { status: 'failed', detail: `no package.json in '${options.servicePath}'` }
      }
      const scripts = (JSON.parse(readFileSync(manifest, 'utf8')).scripts ?? {}) as Record<
        string,
        string
      >
      if (!(options.script in scripts)) {
        const known = Object.keys(scripts).join(', ') || 'none'
        return {
          status: 'failed',
          detail: `'${options.servicePath}/package.json' has no script '${options.script}' (scripts: ${known})`,
        }
      }
      for (const args of [
        ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
        ['run', options.script],
      ]) {
        const result = await options.runner.run('npm', args, {
          cwd: options.servicePath,
          timeoutMs: options.timeoutMs ?? 600_000,
        })
        if (result.exitCode !== 0) {
          return {
            status: 'failed',
            detail: `npm ${args[0] === 'ci' ? 'ci' : `run ${options.script}`} exited ${result.exitCode}: ${lastLines(result.stderr || result.stdout)}`,
          }
        }
      }
      return { status: 'passed', detail: `npm ci and npm run ${options.script} passed` }
    },
  }
}
