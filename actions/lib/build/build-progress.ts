/**
 * What a person watching a long build sees. On a terminal: the builder's step lines as
 * they come (`STEP 3/9: RUN npm ci` from buildah, `#7 [build 2/4] RUN npm ci` from
 * buildx). Anywhere else (a CI log, a pipe): one heartbeat line every so often naming
 * the last step reached, so a slow build never looks hung and the log stays short.
 */

export interface ProgressScheduler {
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void
  now(): number
}

export interface BuildProgressOptions {
  /** Whether the reader is a terminal. */
  tty: boolean
  /** Colour the step marker (only ever true on a terminal). */
  color: boolean
  write(line: string): void
  scheduler: ProgressScheduler
  heartbeatMs?: number
}

export interface BuildProgress {
  /** Feeds the builder's output, in chunks as they arrive. */
  output(chunk: string): void
  stop(): void
}

export const defaultHeartbeatMs = 30_000

/** GOLDEN_PATH_HEARTBEAT_SECONDS shortens or lengthens the heartbeat off a terminal. */
export function heartbeatMsFrom(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.GOLDEN_PATH_HEARTBEAT_SECONDS)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : defaultHeartbeatMs
}

const buildahStep = /^(\[\d+\/\d+\] )?STEP \d+\/\d+: /
const buildxStep = /^#\d+ \[[^\]]*\d+\/\d+\] /

/** A builder output line that starts a step, or undefined. */
export function stepLine(line: string): string | undefined {
  const text = line.trimEnd()
  return buildahStep.test(text) || buildxStep.test(text) ? text : undefined
}

/**
 * Colour follows the no-color.org convention: only on a terminal, never when NO_COLOR is set
 * to anything non-empty, and not on a terminal that declares itself dumb.
 */
export function useColor(tty: boolean, env: NodeJS.ProcessEnv): boolean {
  return tty && !env.NO_COLOR && env.TERM !== 'dumb'
}

function elapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

export function createBuildProgress(options: BuildProgressOptions): BuildProgress {
  const started = options.scheduler.now()
  let pending = ''
  let lastStep: string | undefined
  const show = (step: string) => {
    const [marker, ...rest] = step.split(': ')
    const text = options.color ? `\u001b[1;36m${marker}\u001b[0m: ${rest.join(': ')}` : step
    options.write(rest.length > 0 ? text : step)
  }
  const cancel = options.tty
    ? () => {}
    : options.scheduler.every(options.heartbeatMs ?? defaultHeartbeatMs, () => {
        const at = lastStep ? `, at ${lastStep}` : ''
        options.write(`still building (${elapsed(options.scheduler.now() - started)}${at})`)
      })
  return {
    output(chunk) {
      pending += chunk
      const lines = pending.split(/\r?\n/)
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const step = stepLine(line)
        if (!step) continue
        lastStep = step
        if (options.tty) show(step)
      }
    },
    stop() {
      cancel()
    },
  }
}

/** The scheduler of the real clock; its timer never keeps the process alive on its own. */
export const intervalScheduler: ProgressScheduler = {
  every(ms, tick) {
    const timer = setInterval(tick, ms)
    timer.unref()
    return () => clearInterval(timer)
  },
  now: () => Date.now(),
}
