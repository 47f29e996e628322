import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { resolveCommand } from '../../cli/src/command'
import { commands } from '../../cli/src/commands/index'
import { cliEntry, ensureCliBuilt, runCli } from '../support/cli-process'
import { bundleNode } from '../support/node-runtime'

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version

beforeAll(async () => {
  await ensureCliBuilt()
})

describe('golden-path CLI, the bundled cli/dist/index.js', () => {
  it('lists every command with its summary on --help and exits 0', async () => {
    const result = await runCli(['--help'])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^Usage: golden-path <command> \[flags\]$/m)
    const lines = result.stdout.split('\n')
    for (const command of await Promise.all(commands.map(resolveCommand))) {
      const line = lines.find((candidate) => candidate.startsWith(`  ${command.name} `))
      expect(line?.trim().replace(/\s+/, ' ')).toBe(`${command.name} ${command.summary}`)
    }
  })

  it('prints the help and exits 2 when no command is given', async () => {
    const result = await runCli([])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toContain('Usage: golden-path <command> [flags]')
  })

  it.each([[['version', '--help']], [['help', 'version']]])(
    'prints the usage of version for %j',
    async (args) => {
      const result = await runCli(args)
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toMatch(/^Usage: golden-path version \[--output text\|json\]/)
    },
  )

  it('prints the version and the Node.js runtime as text', async () => {
    const result = await runCli(['version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(`golden-path ${packageVersion} (node ${process.versions.node})\n`)
  })

  it('prints the version as one JSON document with --output json', async () => {
    const result = await runCli(['version', '--output', 'json'])
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({
      version: packageVersion,
      node: process.versions.node,
    })
    expect(result.stdout.trim().split('\n')).toHaveLength(1)
  })

  it('prints the bare version for --version', async () => {
    const result = await runCli(['--version'])
    expect(result).toMatchObject({ exitCode: 0, stdout: `${packageVersion}\n` })
  })

  it.each([
    [['deploy'], "golden-path: unknown command 'deploy' (run 'golden-path --help')"],
    [['--verbose'], "golden-path: unknown flag '--verbose' (run 'golden-path --help')"],
    [['help', 'deploy'], "golden-path: unknown command 'deploy' (run 'golden-path --help')"],
    [
      ['version', '--verbose'],
      "golden-path version: unknown flag '--verbose' for 'version' (run 'golden-path version --help')",
    ],
    [
      ['version', 'now'],
      "golden-path version: unexpected argument 'now' for 'version' (run 'golden-path version --help')",
    ],
    [
      ['version', '--output'],
      "golden-path version: flag '--output' needs a value (run 'golden-path version --help')",
    ],
    [
      ['version', '--output', 'yaml'],
      "golden-path version: invalid --output 'yaml': expected one of text, json",
    ],
  ])('refuses %j with exactly one stderr line and exit 2', async (args, line) => {
    const result = await runCli(args)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe(`${line}\n`)
    expect(result.stdout).toBe('')
  })

  it('keeps its exit code and prints no stack trace when the reader of stdout goes away', async () => {
    const child = spawn(bundleNode, [cliEntry, 'version', '--output', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Closed long before node has started, so the CLI's first write meets a closed pipe.
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })
})
