import { buildApp, type ServiceApp } from './app.js'
import { ConfigError, loadConfig, type ServiceConfig } from './config.js'

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * SIGTERM: readiness turns 503 at once, the listener stays open for the shutdown
 * delay so load balancers see it, in-flight requests get up to the drain timeout,
 * then the server closes and the process exits 0.
 */
async function drainAndExit(app: ServiceApp, config: ServiceConfig): Promise<never> {
  app.markDraining()
  const log = app.fastify.log
  log.info({ inFlight: app.inFlight() }, 'SIGTERM received: draining')
  const deadline = Date.now() + config.drainTimeoutMs
  await sleep(Math.min(config.shutdownDelayMs, config.drainTimeoutMs))
  while (app.inFlight() > 0 && Date.now() < deadline) {
    await sleep(25)
  }
  if (app.inFlight() > 0) {
    log.warn({ inFlight: app.inFlight() }, 'drain timeout reached: closing with requests in flight')
    app.fastify.server.closeAllConnections()
  }
  await app.fastify.close()
  log.info('drained: exiting')
  process.exit(0)
}

async function start(): Promise<void> {
  let config: ServiceConfig
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`service: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const app = buildApp(config)
  let draining = false
  const onTerm = () => {
    if (draining) return
    draining = true
    void drainAndExit(app, config)
  }
  process.on('SIGTERM', onTerm)
  process.on('SIGINT', onTerm)
  try {
    await app.fastify.listen({ port: config.port, host: config.host })
  } catch (error) {
    process.stderr.write(
      `service: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`,
    )
    process.exit(1)
  }
  app.markServing()
}

void start()
