import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../service/src/config'

describe('service configuration from the environment', () => {
  it('starts with documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      drainTimeoutMs: 20_000,
      shutdownDelayMs: 0,
      bodyLimitBytes: 1_048_576,
      name: 'golden-path-reference-service',
      version: '0.0.0-dev',
      revision: 'unknown',
      slowRouteEnabled: false,
      faultErrorRatio: 0,
    })
  })

  it.each([
    [{ PORT: '3000' }, { port: 3000 }],
    [{ PORT: '65535' }, { port: 65535 }],
    [{ PORT: '' }, { port: 8080 }],
    [{ HOST: '127.0.0.1' }, { host: '127.0.0.1' }],
    [{ LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    [{ DRAIN_TIMEOUT_SECONDS: '5' }, { drainTimeoutMs: 5000 }],
    [{ SHUTDOWN_DELAY_SECONDS: '3' }, { shutdownDelayMs: 3000 }],
    [{ BODY_LIMIT_BYTES: '1024' }, { bodyLimitBytes: 1024 }],
    [
      { APP_NAME: 'shop', APP_VERSION: '1.4.0', APP_REVISION: 'abc123' },
      { name: 'shop', version: '1.4.0', revision: 'abc123' },
    ],
    [{ ENABLE_SLOW_ROUTE: 'true' }, { slowRouteEnabled: true }],
    [{ ENABLE_SLOW_ROUTE: '1' }, { slowRouteEnabled: true }],
    [{ ENABLE_SLOW_ROUTE: 'false' }, { slowRouteEnabled: false }],
  ])('reads %j', (env, expected) => {
    expect(loadConfig(env)).toMatchObject(expected)
  })

  it.each([
    [{ PORT: 'http' }, "invalid PORT 'http': expected an integer from 1 to 65535"],
    [{ PORT: '0' }, "invalid PORT '0': expected an integer from 1 to 65535"],
    [{ PORT: '65536' }, "invalid PORT '65536': expected an integer from 1 to 65535"],
    [{ PORT: '80.5' }, "invalid PORT '80.5': expected an integer from 1 to 65535"],
    [{ PORT: '-1' }, "invalid PORT '-1': expected an integer from 1 to 65535"],
    [
      { DRAIN_TIMEOUT_SECONDS: '0' },
      "invalid DRAIN_TIMEOUT_SECONDS '0': expected an integer from 1 to 3600",
    ],
    [
      { SHUTDOWN_DELAY_SECONDS: 'soon' },
      "invalid SHUTDOWN_DELAY_SECONDS 'soon': expected an integer from 0 to 300",
    ],
    [
      { BODY_LIMIT_BYTES: '1e6' },
      "invalid BODY_LIMIT_BYTES '1e6': expected an integer from 1 to 104857600",
    ],
    [
      { LOG_LEVEL: 'verbose' },
      "invalid LOG_LEVEL 'verbose': expected one of fatal, error, warn, info, debug, trace, silent",
    ],
    [{ ENABLE_SLOW_ROUTE: 'yes' }, "invalid ENABLE_SLOW_ROUTE 'yes': expected true or false"],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message))
  })
})
