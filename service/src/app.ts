import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ServiceConfig } from './config.js'
import { createMetrics } from './metrics.js'

/** Where the process is in its life: readiness is true only while `serving`. */
export type Lifecycle = 'starting' | 'serving' | 'draining'

export interface ServiceApp {
  fastify: FastifyInstance
  lifecycle(): Lifecycle
  markServing(): void
  markDraining(): void
  /** Requests started and neither answered nor abandoned by their client. */
  inFlight(): number
}

const maxSlowMs = 30_000

/**
 * An incoming x-request-id is kept when it looks like an id (what proxies and meshes send:
 * UUIDs, hex trace ids); anything else is replaced, so a client cannot put arbitrary text into
 * every log line of its request.
 */
const acceptedRequestId = /^[A-Za-z0-9._:-]{1,128}$/

export function buildApp(config: ServiceConfig): ServiceApp {
  let lifecycle: Lifecycle = 'starting'
  let inFlight = 0
  const metrics = createMetrics()

  const fastify = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && acceptedRequestId.test(given) ? given : randomUUID()
    },
    // Keep-alive connections idle during a drain are closed so shutdown does not wait on them.
    forceCloseConnections: 'idle',
  })

  fastify.addHook('onRequest', async (request, reply) => {
    inFlight += 1
    // The response's `close` fires once whether it was sent or its client went away first;
    // onResponse alone never runs for an aborted request, which would then hold up a drain.
    reply.raw.once('close', () => {
      inFlight -= 1
    })
    reply.header('x-request-id', request.id)
  })
  // While draining, each answer closes its keep-alive connection, so clients reconnect to an
  // instance that stays up instead of reusing a socket this one is about to close.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (lifecycle === 'draining') reply.header('connection', 'close')
    return payload
  })
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.requestDuration.observe(
      {
        // The route template, not the raw URL, keeps label cardinality bounded.
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
  })

  fastify.get('/health', async () => ({ status: 'ok' }))

  fastify.get('/ready', async (_request, reply) => {
    if (lifecycle !== 'serving') {
      return reply.code(503).send({ status: lifecycle })
    }
    return { status: 'ready' }
  })

  fastify.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  fastify.get('/', async () => ({
    name: config.name,
    version: config.version,
    revision: config.revision,
  }))

  fastify.post('/api/echo', async (request) => ({ received: request.body ?? null }))

  if (config.slowRouteEnabled) {
    fastify.get<{ Querystring: { ms?: string } }>('/api/slow', async (request) => {
      const ms = Math.min(Math.max(Number(request.query.ms ?? 1000) || 0, 0), maxSlowMs)
      await new Promise((resolve) => setTimeout(resolve, ms))
      return { sleptMs: ms }
    })
  }

  fastify.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  )

  return {
    fastify,
    lifecycle: () => lifecycle,
    markServing: () => {
      lifecycle = 'serving'
    },
    markDraining: () => {
      lifecycle = 'draining'
    },
    inFlight: () => inFlight,
  }
}
