import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freeLoopbackPort } from './free-port'
import { ensureBuilt } from './fresh-build'

const serviceDir = fileURLToPath(new URL('../../service', import.meta.url))
export const serviceEntry = join(serviceDir, 'dist', 'server.js')

/** Builds service/dist with `npm --prefix service run build` unless it is up to date. */
export function ensureServiceBuilt(): Promise<void> {
  return ensureBuilt({
    output: serviceEntry,
    sources: [join(serviceDir, 'src'), join(serviceDir, 'tsconfig.json')],
    command: ['npm', '--prefix', serviceDir, 'run', 'build'],
    cwd: serviceDir,
    // Under node_modules, which git ignores and the build needs anyway.
    lock: join(serviceDir, 'node_modules', '.golden-path-build-lock'),
  })
}

export interface ServiceExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** `node service/dist/server.js` on a loopback port, with its output collected. */
export interface ServiceProcess {
  url: string
  child: ChildProcess
  exited: Promise<ServiceExit>
  stdout(): string
  stderr(): string
  /** Every stdout line parsed as JSON; throws on a line that is not. */
  logLines(): Record<string, unknown>[]
  /** Resolves with the first log line the predicate accepts, waiting for it to be written. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>
  /** Kills the process if it is still running. */
  stop(): Promise<void>
}

function outputOf(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return { stdout: () => stdout, stderr: () => stderr }
}

/** Runs the service to completion with the given environment (for start-up failures). */
export async function runServiceToExit(
  env: Record<string, string>,
): Promise<ServiceExit & { stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [serviceEntry], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = outputOf(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const exit = await new Promise<ServiceExit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  clearTimeout(timer)
  return { ...exit, stdout: output.stdout(), stderr: output.stderr() }
}

/** Starts the service on a free loopback port and resolves once /health answers 200. */
export async function startService(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freeLoopbackPort()
  const child = spawn(process.execPath, [serviceEntry], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = outputOf(child)
  const exited = new Promise<ServiceExit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  const url = `http://127.0.0.1:${port}`
  const logLines = () =>
    output
      .stdout()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)

  const service: ServiceProcess = {
    url,
    child,
    exited,
    stdout: output.stdout,
    stderr: output.stderr,
    logLines,
    async waitForLog(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = logLines().find(predicate)
        if (found) return found
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no matching log line; stdout so far:\n${output.stdout()}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }

  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`service exited ${child.exitCode} on start: ${output.stderr()}`)
    }
    try {
      if ((await fetch(`${url}/health`)).status === 200) return service
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.stop()
      throw new Error(`service did not answer /health within 15 s: ${output.stderr()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
