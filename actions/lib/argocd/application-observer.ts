import { UsageError } from '../errors'
import type { Logger } from '../ports'
import type { AbortableClock } from './abortable-clock'
import type { Application } from './application'
import type { ArgoCdClient } from './client'
import {
  ApplicationNotFoundError,
  ArgoCdAuthError,
  ArgoCdUnavailableError,
  RequestAbortedError,
  StreamUnavailableError,
} from './errors'

/** How the state of the app is followed: the watch stream (JSON lines or server-sent events) or polling. */
export type WatchMode = 'ndjson' | 'sse' | 'poll'

export type Observation =
  | { kind: 'state'; app: Application; via: WatchMode }
  | { kind: 'deleted'; via: WatchMode }
  /** The server could not be read for a while; observing goes on until the deadline. */
  | { kind: 'unavailable'; reason: string; via: WatchMode }

export interface ObserverOptions {
  mode: WatchMode
  pollIntervalMs: number
  /** Consecutive failed stream connections after which polling takes over. */
  maxStreamFailures: number
  clock: AbortableClock
  logger: Logger
  signal: AbortSignal
}

/**
 * Follows one Application until `signal` aborts. The stream is reopened when
 * it drops (its first event after connecting is the current state, so nothing
 * is missed); when the stream is not served or keeps failing, polling
 * `GET /api/v1/applications/{name}` takes over. Authorisation and not-found
 * errors end the observation: waiting cannot fix them.
 */
export async function* observeApplication(
  client: ArgoCdClient,
  name: string,
  options: ObserverOptions,
): AsyncGenerator<Observation> {
  const { clock, logger, signal } = options
  let mode = options.mode
  let streamFailures = 0
  while (!signal.aborted) {
    if (mode !== 'poll') {
      const streamMode = mode
      try {
        for await (const event of client.watch(name, streamMode, signal)) {
          streamFailures = 0
          if (event.type === 'DELETED') yield { kind: 'deleted', via: streamMode }
          else if (event.application)
            yield { kind: 'state', app: event.application, via: streamMode }
        }
        if (signal.aborted) return
        logger.info('the watch stream closed; reconnecting')
      } catch (error) {
        if (signal.aborted || error instanceof RequestAbortedError) return
        if (
          error instanceof ArgoCdAuthError ||
          error instanceof ApplicationNotFoundError ||
          error instanceof UsageError
        )
          throw error
        if (error instanceof StreamUnavailableError) {
          logger.warning(`${error.message}; polling every ${options.pollIntervalMs} ms instead`)
          mode = 'poll'
          continue
        }
        streamFailures++
        const reason = error instanceof Error ? error.message : String(error)
        if (streamFailures >= options.maxStreamFailures) {
          logger.warning(
            `the watch stream failed ${streamFailures} times (last: ${reason}); polling every ${options.pollIntervalMs} ms instead`,
          )
          mode = 'poll'
          continue
        }
        logger.warning(`the watch stream failed: ${reason}; reconnecting`)
        yield { kind: 'unavailable', reason, via: streamMode }
      }
      await clock.sleep(Math.min(2_000, 100 * 2 ** streamFailures), signal)
      continue
    }
    try {
      const app = await client.getApplication(name, { signal })
      yield { kind: 'state', app, via: 'poll' }
    } catch (error) {
      if (signal.aborted || error instanceof RequestAbortedError) return
      if (!(error instanceof ArgoCdUnavailableError)) throw error
      logger.warning(`${error.message}; polling goes on`)
      yield { kind: 'unavailable', reason: error.message, via: 'poll' }
    }
    await clock.sleep(options.pollIntervalMs, signal)
  }
}
