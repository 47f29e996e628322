/** Service configuration, read once from the environment and validated at start-up. */
export interface ServiceConfig {
  port: number
  host: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Longest time in-flight requests get to finish after SIGTERM. */
  drainTimeoutMs: number
  /** Time between SIGTERM and closing the listener, so endpoints stop routing here first. */
  shutdownDelayMs: number
  bodyLimitBytes: number
  name: string
  version: string
  revision: string
  /** Enables GET /api/slow, a bounded artificial delay used to exercise draining. */
  slowRouteEnabled: boolean
  /** FAULT_ERROR_RATIO: share of requests answered 500 on purpose, for tests; never in production. */
  faultErrorRatio: number
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`invalid ${name} '${raw}': expected an integer from ${min} to ${max}`)
  }
  return Number(raw)
}

function boolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  throw new ConfigError(`invalid ${name} '${raw}': expected true or false`)
}

/**
 * FAULT_ERROR_RATIO from 0 to 1, off by default. Production (NODE_ENV=production, which the
 * image sets) refuses it at start-up: a deliberate failure must never reach real users.
 */
function faultErrorRatio(env: NodeJS.ProcessEnv): number {
  const raw = env.FAULT_ERROR_RATIO
  if (raw === undefined || raw.trim() === '') return 0
  const ratio = Number(raw)
  if (!/^\s*(0|1|0?\.\d+|1\.0*)\s*$/.test(raw) || !(ratio >= 0 && ratio <= 1)) {
    throw new ConfigError(
      `invalid FAULT_ERROR_RATIO '${raw}': expected a ratio from 0 to 1, e.g. 0.05`,
    )
  }
  if (ratio > 0 && env.NODE_ENV === 'production') {
    throw new ConfigError(
      'FAULT_ERROR_RATIO is refused when NODE_ENV=production: fault injection is for tests; unset it',
    )
  }
  return ratio
}

export function loadConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  const logLevel = env.LOG_LEVEL ?? 'info'
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      `invalid LOG_LEVEL '${logLevel}': expected one of ${logLevels.join(', ')}`,
    )
  }
  return {
    port: integer(env, 'PORT', 8080, 1, 65535),
    host: env.HOST || '0.0.0.0',
    logLevel: logLevel as ServiceConfig['logLevel'],
    drainTimeoutMs: integer(env, 'DRAIN_TIMEOUT_SECONDS', 20, 1, 3600) * 1000,
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 300) * 1000,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1, 104_857_600),
    name: env.APP_NAME || 'golden-path-reference-service',
    version: env.APP_VERSION || '0.0.0-dev',
    revision: env.APP_REVISION || 'unknown',
    slowRouteEnabled: boolean(env, 'ENABLE_SLOW_ROUTE'),
    faultErrorRatio: faultErrorRatio(env),
  }
}
