import { UsageError } from '../errors'
import type { Logger } from '../ports'
import { hasControlCharacters, registerSecret } from '../redaction'
import { type AbortableClock, abortableSystemClock } from './abortable-clock'
import type { WatchMode } from './application-observer'
import { ArgoCdClient, type FetchPort, type RefreshMode } from './client'
import { defaultRetryPolicy } from './retry-policy'
import { type ExpectedRevision, parseExpectedRevision } from './revision'
import { parseServerUrl } from './server-url'
import { createArgoCdFetch } from './tls-fetch'
import type { VerificationResult } from './verification-result'
import { verifyArgoSync } from './verify-sync'

/** Everything `golden-path verify` and the verify-argo-sync action are given, parsed and checked. */
export interface VerifySettings {
  server: string
  app: string
  /** Absent only where allowed (the action): then the revision Argo CD targets now is verified. */
  revision?: ExpectedRevision
  token: string
  appNamespace?: string
  project?: string
  refresh?: RefreshMode
  sync: boolean
  images: string[]
  timeoutSeconds: number
  insecure: boolean
  caFile?: string
  watch: WatchMode
  pollIntervalSeconds: number
  requestTimeoutSeconds: number
  degradedGraceSeconds: number
}

/** The defaults the CLI flags and the action inputs share (action.yml repeats them). */
export const verifyDefaults = {
  timeoutSeconds: 300,
  watch: 'ndjson' as WatchMode,
  pollIntervalSeconds: 5,
  requestTimeoutSeconds: 30,
  degradedGraceSeconds: 15,
} as const

/** `ndjson`: the watch stream as JSON lines; `sse`: as server-sent events; `poll`: never stream. */
export const watchChoices: readonly WatchMode[] = ['ndjson', 'sse', 'poll']
export const refreshChoices: readonly RefreshMode[] = ['normal', 'hard']

/** The raw values as typed by a user: flags or action inputs, named the same way. */
export interface RawVerifySettings {
  server?: string
  app?: string
  revision?: string
  token?: string
  'app-namespace'?: string
  project?: string
  refresh?: string
  sync: boolean
  images: string[]
  timeout?: string
  insecure: boolean
  'ca-file'?: string
  watch?: string
  'poll-interval'?: string
  'request-timeout'?: string
  'degraded-grace'?: string
}

/**
 * Checks the raw values once. `label` names a setting the way the user gave it
 * (`--timeout` on the command line, `input 'timeout'` in a workflow).
 */
export function parseVerifySettings(
  raw: RawVerifySettings,
  label: (name: string) => string,
  tokenFallback: string | undefined,
  { revisionRequired }: { revisionRequired: boolean } = { revisionRequired: true },
): VerifySettings {
  const required = (name: 'server' | 'app' | 'revision', what: string): string => {
    const value = raw[name]?.trim()
    if (!value) throw new UsageError(`missing ${label(name)}: ${what}`)
    return value
  }
  const server = parseServerUrl(required('server', 'the Argo CD server URL'), label('server'))
  const app = required('app', 'the Argo CD application name')
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(app) || app.length > 253) {
    throw new UsageError(`invalid ${label('app')} '${app}': expected a Kubernetes resource name`)
  }
  const revisionInput = revisionRequired
    ? required('revision', 'the commit SHA Argo CD must apply')
    : raw.revision?.trim()
  const revision = revisionInput
    ? parseExpectedRevision(revisionInput, label('revision'))
    : undefined
  const token = raw.token?.trim() || tokenFallback?.trim()
  if (!token) {
    throw new UsageError(
      `missing ${label('token')}: pass the Argo CD API token or set ARGOCD_AUTH_TOKEN`,
    )
  }
  // Masked in every message from here on, including the one below.
  registerSecret(token)
  if (hasControlCharacters(token)) {
    throw new UsageError(
      `invalid ${label('token')}: it holds a line break or another control character (not shown); pass the token on one line`,
    )
  }
  if (raw.insecure && raw['ca-file']) {
    throw new UsageError(
      `${label('insecure')} and ${label('ca-file')} contradict each other: give one`,
    )
  }
  const choice = <T extends string>(
    name: string,
    value: string | undefined,
    allowed: readonly T[],
  ) => {
    if (value === undefined || value === '') return undefined
    if ((allowed as readonly string[]).includes(value)) return value as T
    throw new UsageError(`invalid ${label(name)} '${value}': expected one of ${allowed.join(', ')}`)
  }
  const watch = choice('watch', raw.watch, watchChoices) ?? verifyDefaults.watch
  const images = raw.images.map((image) => image.trim()).filter((image) => image !== '')
  return {
    server,
    app,
    revision,
    token,
    appNamespace: raw['app-namespace']?.trim() || undefined,
    project: raw.project?.trim() || undefined,
    refresh: choice('refresh', raw.refresh, refreshChoices),
    sync: raw.sync,
    images,
    timeoutSeconds: seconds(label('timeout'), raw.timeout, verifyDefaults.timeoutSeconds),
    insecure: raw.insecure,
    caFile: raw['ca-file']?.trim() || undefined,
    watch,
    pollIntervalSeconds: seconds(
      label('poll-interval'),
      raw['poll-interval'],
      verifyDefaults.pollIntervalSeconds,
    ),
    requestTimeoutSeconds: seconds(
      label('request-timeout'),
      raw['request-timeout'],
      verifyDefaults.requestTimeoutSeconds,
    ),
    degradedGraceSeconds: seconds(
      label('degraded-grace'),
      raw['degraded-grace'],
      verifyDefaults.degradedGraceSeconds,
      0,
    ),
  }
}

function seconds(
  label: string,
  value: string | undefined,
  fallback: number,
  minimum = 0.001,
): number {
  if (value === undefined || value.trim() === '') return fallback
  const parsed = Number(value.trim())
  if (!Number.isFinite(parsed) || parsed < minimum || !/^\d+(\.\d+)?$/.test(value.trim())) {
    throw new UsageError(`invalid ${label} '${value}': expected a number of seconds`)
  }
  return parsed
}

export interface VerificationPorts {
  logger: Logger
  clock?: AbortableClock
  /** Defaults to Node's fetch, or undici's when a CA bundle or --insecure is given. */
  fetch?: FetchPort
}

/** Builds the client from the settings and runs the verification. */
export function runVerification(
  settings: VerifySettings,
  ports: VerificationPorts,
  caLabel = '--ca-file',
): Promise<VerificationResult> {
  const clock = ports.clock ?? abortableSystemClock
  const requestTimeoutMs = settings.requestTimeoutSeconds * 1000
  const client = new ArgoCdClient({
    server: settings.server,
    token: settings.token,
    appNamespace: settings.appNamespace,
    project: settings.project,
    requestTimeoutMs,
    retry: defaultRetryPolicy,
    fetch:
      ports.fetch ??
      createArgoCdFetch({ caFile: settings.caFile, insecure: settings.insecure }, caLabel),
    clock,
    logger: ports.logger,
  })
  if (settings.insecure) ports.logger.warning('TLS certificate verification is off (--insecure)')
  return verifyArgoSync(
    {
      app: settings.app,
      appNamespace: settings.appNamespace,
      revision: settings.revision,
      images: settings.images,
      refresh: settings.refresh,
      sync: settings.sync,
      watch: settings.watch,
      timeoutMs: settings.timeoutSeconds * 1000,
      pollIntervalMs: settings.pollIntervalSeconds * 1000,
      degradedGraceMs: settings.degradedGraceSeconds * 1000,
      requestTimeoutMs,
    },
    { client, clock, logger: ports.logger },
  )
}
