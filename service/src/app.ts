import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ServiceConfig } from './config.js'
import { shouldInjectFault } from './fault-injection.js'
import { createMetrics } from './metrics.js'
import { type TraceContext, traceContextOf, traceparentOf } from './trace-context.js'

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
  const metrics = createMetrics({ version: config.version, revision: config.revision })
  // Each request's trace context, read once when Fastify creates the request's logger.
  const traces = new WeakMap<IncomingMessage, TraceContext>()
  const fault = config.faultErrorRatio > 0 ? { errorRatio: config.faultErrorRatio } : undefined

  const fastify = Fastify({
    logger: { level: config.logLevel },
    // Every log line of a request carries its W3C trace id, so logs join up with traces.
    childLoggerFactory: (logger, bindings, options, rawRequest) => {
      const request = rawRequest as IncomingMessage
      const trace = traceContextOf(request.headers)
      traces.set(request, trace)
      return logger.child({ ...bindings, trace_id: trace.traceId, span_id: trace.spanId }, options)
    },
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
  fastify.addHook('onRequest', async (request, reply) => {
    const trace = traces.get(request.raw)
    if (trace) reply.header('traceparent', traceparentOf(trace))
  })
  fastify.addHook('onRequest', async (request, reply) => {
    if (shouldInjectFault(fault, request.routeOptions.url)) {
      return reply.code(500).send({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'injected fault (FAULT_ERROR_RATIO)',
      })
    }
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
