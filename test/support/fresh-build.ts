import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnRunner } from '../../actions/lib/ports'

function newestTime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestTime(join(path, entry))),
    stat.mtimeMs,
  )
}

export interface BuildTarget {
  /** The file the build writes; the build is fresh when it is newer than every source. */
  output: string
  /** Files and directories (walked) the output is built from. */
  sources: string[]
  /** The build command, an argument vector run from `cwd`. */
  command: [string, ...string[]]
  cwd: string
  /** A directory path used as a lock (mkdir is atomic); its parent must exist. */
  lock: string
}

function isFresh(target: BuildTarget): boolean {
  if (!existsSync(target.output)) return false
  const newestSource = Math.max(
    ...target.sources.filter((source) => existsSync(source)).map(newestTime),
  )
  return statSync(target.output).mtimeMs >= newestSource
}

/**
 * Runs the build unless its output is newer than its sources. Test files run in parallel
 * processes, so the lock keeps two of them from writing the same output at once.
 */
export async function ensureBuilt(target: BuildTarget): Promise<void> {
  const deadline = Date.now() + 180_000
  for (;;) {
    if (isFresh(target)) return
    try {
      mkdirSync(target.lock)
      break
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`${target.lock} held for three minutes; remove it if no build is running`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  try {
    if (isFresh(target)) return
    const [program, ...args] = target.command
    const result = await spawnRunner.run(program, args, { cwd: target.cwd, timeoutMs: 180_000 })
    if (result.exitCode !== 0) {
      throw new Error(`${target.command.join(' ')} failed: ${result.stdout}${result.stderr}`)
    }
  } finally {
    rmdirSync(target.lock)
  }
}
