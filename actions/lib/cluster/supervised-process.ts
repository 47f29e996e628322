import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'

/** One process the local cluster started, as recorded in its state directory. */
export interface RecordedProcess {
  name: string
  pid: number
  /** The executable, compared with /proc/PID/cmdline so a recycled PID is never signalled. */
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
  const fd = openSync(options.log, 'a')
  try {
    const child = spawn(executable, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    })
    if (child.pid === undefined) throw new Error(`could not start ${name} (${executable})`)
    child.on('error', () => {})
    child.unref()
    return { name, pid: child.pid, executable, log: options.log }
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
    const argv0 = readFileSync(`/proc/${process_.pid}/cmdline`, 'utf8').split('\0')[0]
    return argv0 === process_.executable
  } catch {
    return false
  }
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
  const deadline = Date.now() + graceMs
  while (running.some(isRunning) && Date.now() < deadline) await sleep(100)
  for (const recorded of running.filter(isRunning)) signal(recorded.pid, 'SIGKILL')
  const killDeadline = Date.now() + 5000
  while (running.some(isRunning) && Date.now() < killDeadline) await sleep(100)
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}
