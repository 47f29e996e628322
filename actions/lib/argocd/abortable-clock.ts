import type { Clock } from '../ports'

/**
 * A clock whose sleeps end early when a signal aborts, so that a finished
 * verification leaves no timer behind to hold the process open.
 */
export interface AbortableClock extends Clock {
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>
}

export const abortableSystemClock: AbortableClock = {
  now: () => Date.now(),
  sleep(milliseconds, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const timer = setTimeout(done, Math.max(0, milliseconds))
      function done() {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, { once: true })
    })
  },
}
