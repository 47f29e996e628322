import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandPath } from './required-tools'

const programName = 'golden-path-oci-registry'
const sourceDir = fileURLToPath(new URL('../../scripts/oci-registry', import.meta.url))

export interface ReferrersRegistry {
  /** host:port on 127.0.0.1 */
  host: string
  stop(): Promise<void>
}

/**
 * The binary scripts/setup.sh builds from scripts/oci-registry, in the cache directory named
 * by the hash of its sources (so an edited program is never run stale); else one on PATH.
 */
function registryProgram(): string {
  const sum = createHash('sha256')
  for (const file of ['go.mod', 'go.sum', 'main.go'])
    sum.update(readFileSync(join(sourceDir, file)))
  const cache = process.env.GOLDEN_PATH_CACHE || join(homedir(), '.cache', 'golden-path')
  const built = join(cache, 'oci-registry', sum.digest('hex').slice(0, 16), programName)
  try {
    accessSync(built, constants.X_OK)
    return built
  } catch {
    const onPath = commandPath(programName)
    if (onPath) return onPath
    throw new Error(
      `missing ${programName} (the OCI 1.1 registry of scripts/oci-registry); build it with: source scripts/setup.sh`,
    )
  }
}

/** The first line the program prints: the address it listens on. */
function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    let stderr = ''
    const timer = setTimeout(
      () => reject(new Error(`${programName} did not start in 15 s`)),
      15_000,
    )
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000)
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const newline = buffered.indexOf('\n')
      if (newline >= 0) {
        clearTimeout(timer)
        resolve(buffered.slice(0, newline).trim())
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${programName} exited with ${code}: ${stderr.trim()}`))
    })
  })
}

/**
 * Starts an OCI 1.1 registry with the referrers API on 127.0.0.1 (a port the kernel picks),
 * blobs in a temporary directory; `stop` ends it and removes the directory.
 */
export async function startReferrersRegistry(): Promise<ReferrersRegistry> {
  const program = registryProgram()
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-oci-registry-'))
  const child = spawn(program, ['-address', '127.0.0.1:0', '-blob-dir', join(dir, 'blobs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const host = await listeningAddress(child)
    const answer = await fetch(`http://${host}/v2/`)
    if (answer.status !== 200) throw new Error(`${programName} answered /v2/ with ${answer.status}`)
    return { host, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
