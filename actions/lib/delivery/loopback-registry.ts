import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blockedPortMessage, fetchRefusesPort } from '../fetch-failure'
import type { Clock } from '../ports'

/** An OCI registry (docker/distribution's `docker-registry`) listening on 127.0.0.1. */
export interface LoopbackRegistry {
  /** host:port, the registry part of image references pushed to it. */
  address: string
  /** True when this process started it (and stop() will end it). */
  started: boolean
  stop(): Promise<void>
}

export interface LoopbackRegistryOptions {
  /** host:port to listen on; the host must be a loopback address. */
  address: string
  /** Directory holding the registry's blobs and its config; kept across runs. */
  storageDir: string
  clock: Clock
  /** How long to wait for /v2/ to answer after starting. */
  startTimeoutMs?: number
  fetchImpl?: typeof fetch
  spawnImpl?: typeof spawn
}

const installHint = 'apt-get update && apt-get install -y docker-registry'

/**
 * Answers true when a registry speaking the distribution API is at `address`.
 * docker/distribution answers GET /v2/ with 200 and `Docker-Distribution-Api-Version`.
 */
export async function registryAnswers(address: string, fetchImpl: typeof fetch = fetch) {
  try {
    const response = await fetchImpl(`http://${address}/v2/`, { signal: AbortSignal.timeout(1000) })
    return response.status === 200 && response.headers.has('docker-distribution-api-version')
  } catch {
    return false
  }
}

/** Refuses anything but a loopback host:port: local delivery pushes without TLS or credentials. */
export function assertLoopbackAddress(address: string): void {
  const match = /^(127\.\d+\.\d+\.\d+|localhost):(\d{1,5})$/.exec(address)
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new Error(
      `registry address '${address}' must be a loopback host:port, e.g. 127.0.0.1:5050`,
    )
  }
}

/**
 * Starts `docker-registry` on a loopback address with filesystem storage, or reuses
 * the registry already answering there. Refuses non-loopback addresses: local
 * delivery pushes without TLS and without credentials.
 */
export async function startLoopbackRegistry(
  options: LoopbackRegistryOptions,
): Promise<LoopbackRegistry> {
  const { address, storageDir, clock } = options
  const fetchImpl = options.fetchImpl ?? fetch
  assertLoopbackAddress(address)
  if (await fetchRefusesPort(`http://${address}/v2/`)) {
    throw new Error(`registry address '${address}': ${blockedPortMessage(`http://${address}`)}`)
  }
  if (await registryAnswers(address, fetchImpl)) {
    return { address, started: false, stop: async () => {} }
  }
  mkdirSync(join(storageDir, 'data'), { recursive: true })
  const configFile = join(storageDir, 'config.yml')
  writeFileSync(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(storageDir, 'data'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${JSON.stringify(address)}`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = (options.spawnImpl ?? spawn)(
    'docker-registry',
    ['serve', configFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  const stderr: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')))
  const exited = new Promise<string>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ENOENT'
          ? `docker-registry is not installed; run as root: ${installHint}`
          : error.message,
      ),
    )
    child.on('exit', (code) =>
      resolve(`docker-registry exited with code ${code}: ${lastLine(stderr)}`),
    )
  })
  let exitReason: string | undefined
  void exited.then((reason) => {
    exitReason = reason
  })
  const deadline = clock.now() + (options.startTimeoutMs ?? 10_000)
  while (clock.now() < deadline) {
    if (exitReason !== undefined) throw new Error(exitReason)
    if (await registryAnswers(address, fetchImpl)) {
      return {
        address,
        started: true,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGTERM')
          }),
      }
    }
    await clock.sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(
    `docker-registry did not answer on http://${address}/v2/ within the start timeout`,
  )
}

function lastLine(lines: string[]): string {
  const text = lines.join('').trim().split('\n')
  return text[text.length - 1] ?? ''
}
