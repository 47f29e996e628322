import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '../ports'

/** The pinned versions of what the local control plane runs (written by the build script). */
export interface ControlPlaneVersions {
  kubernetes: string
  etcd: string
  kwok: string
  kustomize: string
  argocd: string
}

/** A built control plane: where its binaries and the files copied from its modules live. */
export interface ControlPlaneBuild {
  dir: string
  bin: string
  share: string
  versions: ControlPlaneVersions
  /** Seconds each component took to build cold, as recorded when it was built. */
  buildSeconds: Record<string, number>
  /** True when nothing had to be built for this call. */
  cached: boolean
}

const buildScriptPath = join('scripts', 'control-plane', 'build.sh')

/**
 * The build script of the golden-path checkout that holds `from` (a module or bundle URL):
 * the CLI bundle and the TypeScript sources sit at different depths under the same root.
 */
export function locateBuildScript(from: string): string {
  let dir = dirname(fileURLToPath(from))
  for (;;) {
    const candidate = join(dir, buildScriptPath)
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) {
      throw new Error(`cannot find ${buildScriptPath} above ${fileURLToPath(from)}`)
    }
    dir = parent
  }
}

/** The cache directory the build script uses for these versions, without building anything. */
export async function controlPlaneDir(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout, exitCode, stderr } = await runScript(script, ['--print-dir'], env, () => {})
  if (exitCode !== 0) throw new Error(`control-plane build script failed: ${lastLine(stderr)}`)
  return stdout.trim()
}

/** Reads a finished build from its cache directory, or undefined when it is not complete. */
export function readControlPlaneBuild(dir: string, cached: boolean): ControlPlaneBuild | undefined {
  if (!existsSync(join(dir, '.complete'))) return undefined
  const versions = JSON.parse(
    readFileSync(join(dir, 'versions.json'), 'utf8'),
  ) as ControlPlaneVersions
  const buildSeconds: Record<string, number> = {}
  const times = join(dir, 'build-times.tsv')
  if (existsSync(times)) {
    for (const line of readFileSync(times, 'utf8').split('\n')) {
      const [name, seconds] = line.split('\t')
      if (name && seconds) buildSeconds[name] = Number(seconds)
    }
  }
  return { dir, bin: join(dir, 'bin'), share: join(dir, 'share'), versions, buildSeconds, cached }
}

/**
 * Builds whatever part of the control plane is not cached yet (the first run takes about
 * 20 minutes on two cores) and reports each component's progress line through `logger`.
 */
export async function ensureControlPlaneBuilt(
  script: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<ControlPlaneBuild> {
  const dir = await controlPlaneDir(script, env)
  const ready = readControlPlaneBuild(dir, true)
  if (ready) return ready
  logger.info(
    'building the local control plane from Go modules: the first run takes about 20 minutes on 2 cores; later runs reuse the cache',
  )
  const { exitCode, stderr } = await runScript(script, [], env, (line) => {
    if (line.startsWith('control-plane: ')) logger.info(line.slice('control-plane: '.length))
  })
  if (exitCode !== 0) {
    throw new Error(
      `building the control plane failed: ${lastLine(stderr)} (re-run ${resolve(script)} to see the whole log)`,
    )
  }
  const built = readControlPlaneBuild(dir, false)
  if (!built) throw new Error(`the control-plane build finished without ${join(dir, '.complete')}`)
  return built
}

function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderrTail = ''
    let pending = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) onLine(line)
      // Go's own output can be long; only the end says why a build failed.
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (pending) onLine(pending)
      resolvePromise({ exitCode: code ?? 1, stdout, stderr: stderrTail })
    })
  })
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n')
  return lines[lines.length - 1] ?? ''
}
