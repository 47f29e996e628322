import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLoopbackPort } from './free-port'
import { requireTools } from './required-tools'

export interface LoopbackRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  host: string
  /** The directory holding its config and storage. */
  dir: string
  stop(): Promise<void>
}

export interface LoopbackRegistryOptions {
  /** Demand these credentials (htpasswd, bcrypt): the registry answers 401 with a Basic challenge. */
  htpasswd?: { username: string; password: string }
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`)
    const ok = await fetch(url).then(
      (response) => response.status === 200 || response.status === 401,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`docker-registry did not answer on ${url}`)
}

/**
 * Starts the Debian `docker-registry` (distribution 2.x) on 127.0.0.1 with a temporary
 * store; with `htpasswd`, it demands those credentials (`htpasswd -Bbn`, apache2-utils).
 */
export async function startLoopbackRegistry(
  options: LoopbackRegistryOptions = {},
): Promise<LoopbackRegistry> {
  requireTools({ command: 'docker-registry', install: 'apt-get install -y docker-registry' })
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-registry-'))
  const port = await freeLoopbackPort()
  const config = join(dir, 'config.yml')
  const auth: string[] = []
  if (options.htpasswd) {
    requireTools({ command: 'htpasswd', install: 'apt-get install -y apache2-utils' })
    const entry = execFileSync(
      'htpasswd',
      ['-Bbn', options.htpasswd.username, options.htpasswd.password],
      { encoding: 'utf8' },
    )
    writeFileSync(join(dir, 'htpasswd'), entry)
    auth.push(
      'auth:',
      '  htpasswd:',
      '    realm: golden-path-test',
      `    path: ${join(dir, 'htpasswd')}`,
    )
  }
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...auth,
      '',
    ].join('\n'),
  )
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitUntilServing(`http://127.0.0.1:${port}/v2/`, child)
  } catch (error) {
    await stop()
    throw error
  }
  return { host: `127.0.0.1:${port}`, dir, stop }
}
