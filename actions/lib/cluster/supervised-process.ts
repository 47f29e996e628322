import { spawn } from 'node:child_process'
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/** One process the local cluster started, as recorded in its state directory. */
export interface RecordedProcess {
  name: string
  pid: number
  /**
   * The executable's real path, compared with /proc/PID/exe so a recycled PID is never
   * signalled (the command line is no proof: redis-server rewrites its own).
   */
  executable: string
  log: string
}

/**
 * Starts `executable` detached from this process (it outlives the CLI), with its output
 * appended to `log`, and returns what `down` needs to stop it later.
 */
export function startDetached(
  name: string,
  executable: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; log: string },
): RecordedProcess {
  const resolved = resolveExecutable(executable, options.env.PATH)
  const fd = openSync(options.log, 'a')
  try {
    const child = spawn(resolved, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    })
    if (child.pid === undefined) throw new Error(`could not start ${name} (${executable})`)
    child.on('error', () => {})
    child.unref()
    return { name, pid: child.pid, executable: realpathSync(resolved), log: options.log }
  } finally {
    closeSync(fd)
  }
}

/** True while the recorded process runs (and is still the same program, not a reused PID). */
export function isRunning(process_: RecordedProcess): boolean {
  try {
    const stat = readFileSync(`/proc/${process_.pid}/stat`, 'utf8')
    // Field 3 is the state; Z is a zombie that only waits to be reaped.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    if (state === 'Z') return false
    return readlinkSync(`/proc/${process_.pid}/exe`) === process_.executable
  } catch {
    return false
  }
}

/** `name` as an absolute path: itself when it has a slash, else the first match on PATH. */
function resolveExecutable(name: string, path: string | undefined): string {
  if (isAbsolute(name)) return name
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not in this directory.
    }
  }
  throw new Error(`'${name}' is not installed or not on PATH`)
}

/** The last non-empty line a process logged, to say why it stopped. */
export function lastLogLine(log: string): string {
  try {
    const lines = readFileSync(log, 'utf8').trim().split('\n')
    const line = lines[lines.length - 1] ?? ''
    return line.length > 240 ? `${line.slice(0, 237)}...` : line
  } catch {
    return ''
  }
}

/** SIGTERM, then SIGKILL for what is still running after `graceMs`. */
export async function stopProcesses(
  processes: readonly RecordedProcess[],
  graceMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const running = processes.filter(isRunning)
  for (const recorded of running) signal(recorded.pid, 'SIGTERM')
  // Checked by PID from here on: an exiting process loses its executable link before it
  // is gone, so isRunning would call it stopped while it still shuts down.
  const alive = () => running.filter((recorded) => !hasExited(recorded.pid))
  const deadline = Date.now() + graceMs
  while (alive().length > 0 && Date.now() < deadline) await sleep(100)
  // Only what is still our executable gets SIGKILL: a PID never reaches another program.
  for (const recorded of running.filter(isRunning)) signal(recorded.pid, 'SIGKILL')
  const killDeadline = Date.now() + 5000
  while (alive().length > 0 && Date.now() < killDeadline) await sleep(100)
}

/** Gone, or a zombie that only waits for its parent to reap it. */
function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return true
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}
