import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import {
  type AppMoment,
  appName,
  buildApplication,
  buildResourceTree,
  controlNamespace,
  runtimeError,
} from './argocd-fixtures'
import type { Fault, Scenario } from './argocd-scenarios'

/**
 * A stand-in for the Argo CD API server (v3.6.2 REST gateway) that plays a
 * scripted rollout. It serves the four endpoints verification uses, with the
 * shapes of the published swagger, and can misbehave on purpose: 5xx and 429
 * bursts, slow answers, broken JSON, dropped streams, wrong tokens.
 */
export interface SimulatorOptions {
  scenario: Scenario
  token: string
  tls?: { key: string; cert: string }
}

export type PayloadDefinition =
  | 'v1alpha1Application'
  | 'v1alpha1ApplicationTree'
  | 'stream'
  | 'runtimeError'
  | 'runtimeStreamError'

export interface ServedPayload {
  definition: PayloadDefinition
  payload: unknown
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, unknown>
  body: unknown
  accept: string
}

type FaultKind = 'get' | 'stream' | 'tree'

interface StreamConnection {
  raw: ServerResponse
  sse: boolean
  events: number
}

export class ArgoCdSimulator {
  readonly requests: RecordedRequest[] = []
  readonly served: ServedPayload[] = []
  /** performance.now() when each frame became the current state. */
  readonly frameShownAt: (number | undefined)[] = []
  /** performance.now() when each frame was first written to a watch stream. */
  readonly frameStreamedAt: (number | undefined)[] = []
  url = ''

  private current = 0
  private clockStarted = false
  private timers: NodeJS.Timeout[] = []
  private readonly streams = new Set<StreamConnection>()
  private readonly faults: Record<FaultKind, Fault[]>
  private dropsLeft: number
  private malformedPending: boolean
  private resourceVersion = 1000
  private deleted = false

  private constructor(
    private readonly server: FastifyInstance,
    private readonly options: SimulatorOptions,
  ) {
    const faults = options.scenario.faults ?? {}
    this.faults = {
      get: [...(faults.get ?? [])],
      stream: [...(faults.stream ?? [])],
      tree: [...(faults.tree ?? [])],
    }
    this.dropsLeft = options.scenario.streamDrops?.times ?? 0
    this.malformedPending = options.scenario.streamMalformed ?? false
  }

  static async start(options: SimulatorOptions): Promise<ArgoCdSimulator> {
    // The https variant differs only in its server type, which the routes never touch.
    const server = (options.tls
      ? Fastify({ https: options.tls, forceCloseConnections: true })
      : Fastify({ forceCloseConnections: true })) as unknown as FastifyInstance
    const simulator = new ArgoCdSimulator(server, options)
    simulator.routes()
    await server.listen({ host: '127.0.0.1', port: 0 })
    const { port } = server.server.address() as AddressInfo
    simulator.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`
    return simulator
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    for (const stream of this.streams) stream.raw.destroy()
    this.streams.clear()
    await this.server.close()
  }

  /** When the last frame (the final state of the rollout) was first served, by stream or by poll. */
  finalStateAt(via: 'stream' | 'poll'): number | undefined {
    const last = this.options.scenario.frames.length - 1
    return via === 'stream' ? this.frameStreamedAt[last] : this.frameShownAt[last]
  }

  private get moment(): AppMoment {
    return this.options.scenario.frames[this.current].moment
  }

  private application(): Record<string, unknown> {
    return buildApplication(this.moment, {
      namespace: this.options.scenario.namespace,
      resourceVersion: this.resourceVersion,
      at: new Date(),
    })
  }

  private startClock(): void {
    if (this.clockStarted) return
    this.clockStarted = true
    this.frameShownAt[0] = performance.now()
    this.options.scenario.frames.forEach((frame, index) => {
      if (index === 0) return
      this.timers.push(setTimeout(() => this.show(index), frame.atMs))
    })
    const deleteAfter = this.options.scenario.deleteAfterMs
    if (deleteAfter !== undefined) this.timers.push(setTimeout(() => this.remove(), deleteAfter))
  }

  private show(index: number): void {
    this.current = index
    this.resourceVersion++
    this.frameShownAt[index] = performance.now()
    for (const stream of this.streams) this.emit(stream, 'MODIFIED')
  }

  private routes(): void {
    const server = this.server
    server.addHook('onRequest', async (request, reply) => {
      this.requests.push({
        method: request.method,
        path: request.url.split('?')[0],
        query: { ...(request.query as Record<string, unknown>) },
        body: undefined,
        accept: request.headers.accept ?? '',
      })
      if (request.headers.authorization !== `Bearer ${this.options.token}`) {
        return this.error(
          reply,
          401,
          runtimeError(16, 'invalid session: token signature is invalid'),
        )
      }
      if (this.options.scenario.forbidden) {
        return this.error(
          reply,
          403,
          runtimeError(
            7,
            `permission denied: applications, get, default/${appName}, sub: ci-deployer`,
          ),
        )
      }
    })
    server.addHook('preHandler', async (request) => {
      this.requests[this.requests.length - 1].body = request.body
    })

    server.get('/api/v1/applications/:name', async (request, reply) => {
      if (this.options.scenario.clockStartsOn === 'first-request') this.startClock()
      if (!this.exists(request)) return this.notFound(reply)
      if (await this.fault('get', reply)) return reply
      const application = this.application()
      this.frameShownAt[this.current] ??= performance.now()
      return this.json(reply, 'v1alpha1Application', application)
    })

    server.get('/api/v1/applications/:name/resource-tree', async (request, reply) => {
      if (!this.exists(request)) return this.notFound(reply)
      if (await this.fault('tree', reply)) return reply
      return this.json(reply, 'v1alpha1ApplicationTree', buildResourceTree(this.moment))
    })

    server.post('/api/v1/applications/:name/sync', async (request, reply) => {
      if (!this.exists(request)) return this.notFound(reply)
      if (this.options.scenario.syncConflict) {
        return this.error(reply, 400, runtimeError(9, 'another operation is already in progress'))
      }
      this.startClock()
      return this.json(reply, 'v1alpha1Application', this.application())
    })

    server.get('/api/v1/stream/applications', async (request, reply) => {
      if (this.options.scenario.stream === 'unavailable') {
        // What an ingress that forwards only the plain REST paths answers.
        return reply
          .code(404)
          .type('text/html')
          .send('<html><body><h1>404 Not Found</h1></body></html>')
      }
      if (this.options.scenario.clockStartsOn === 'first-request') this.startClock()
      if (await this.fault('stream', reply)) return reply
      const query = request.query as { name?: string }
      if (query.name !== appName || !this.exists(request)) {
        // A watch filtered to an app that does not exist is simply silent.
        reply.hijack()
        reply.raw.writeHead(200, { 'content-type': 'application/json' })
        return
      }
      const sse = (request.headers.accept ?? '').includes('text/event-stream')
      reply.hijack()
      reply.raw.writeHead(200, {
        'content-type': sse ? 'text/event-stream' : 'application/json',
        'cache-control': 'no-cache',
      })
      const stream: StreamConnection = { raw: reply.raw, sse, events: 0 }
      this.streams.add(stream)
      reply.raw.on('close', () => this.streams.delete(stream))
      this.emit(stream, 'ADDED')
    })
  }

  private remove(): void {
    this.deleted = true
    for (const stream of this.streams) this.emit(stream, 'DELETED')
  }

  private emit(stream: StreamConnection, type: 'ADDED' | 'MODIFIED' | 'DELETED'): void {
    const envelope = { result: { type, application: this.application() } }
    this.served.push({ definition: 'stream', payload: envelope })
    const text = JSON.stringify(envelope)
    const message = stream.sse ? `data: ${text}\n\n` : `${text}\n`
    const drops = this.options.scenario.streamDrops
    if (drops && this.dropsLeft > 0 && stream.events >= drops.afterEvents) {
      this.dropsLeft--
      // Cut mid-message, as a proxy with an idle or body timeout does.
      stream.raw.write(message.slice(0, Math.floor(message.length / 2)))
      stream.raw.destroy()
      this.streams.delete(stream)
      return
    }
    stream.raw.write(message)
    stream.events++
    this.frameStreamedAt[this.current] ??= performance.now()
    if (this.malformedPending) {
      this.malformedPending = false
      stream.raw.write('{"result":{"type":"MODIFIED","application":{"metadata":\n')
    }
  }

  private exists(request: FastifyRequest): boolean {
    if (this.options.scenario.exists === false || this.deleted) return false
    const params = request.params as { name?: string }
    if (params.name !== undefined && params.name !== appName) return false
    const query = request.query as { appNamespace?: string }
    return (
      (query.appNamespace || controlNamespace) ===
      (this.options.scenario.namespace ?? controlNamespace)
    )
  }

  private notFound(reply: FastifyReply) {
    return this.error(
      reply,
      404,
      runtimeError(5, `applications.argoproj.io "${appName}" not found`),
    )
  }

  private error(reply: FastifyReply, status: number, body: Record<string, unknown>) {
    this.served.push({ definition: 'runtimeError', payload: body })
    return reply.code(status).type('application/json').send(JSON.stringify(body))
  }

  private json(reply: FastifyReply, definition: PayloadDefinition, payload: unknown) {
    this.served.push({ definition, payload })
    return reply.code(200).type('application/json').send(JSON.stringify(payload))
  }

  /** Serves the next scripted fault for this kind of request, if any; true when it answered. */
  private async fault(kind: FaultKind, reply: FastifyReply): Promise<boolean> {
    const fault = this.faults[kind].shift()
    if (!fault) return false
    if ('slowMs' in fault) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, fault.slowMs)
        this.timers.push(timer)
        reply.raw.on('close', () => {
          clearTimeout(timer)
          resolve(undefined)
        })
      })
      return false
    }
    if ('malformed' in fault) {
      reply.code(200).type('application/json').send('{"metadata":{"name":"web","namespace":')
      return true
    }
    if (fault.status === 429) {
      reply
        .code(429)
        .header('retry-after', String(fault.retryAfterSeconds))
        .type('text/plain')
        .send('Too Many Requests')
      return true
    }
    reply
      .code(fault.status)
      .type('text/html')
      .send(`<html><body><h1>${fault.status} Bad Gateway</h1></body></html>`)
    return true
  }
}
