import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'

export interface ServiceMetrics {
  registry: Registry
  requestDuration: Histogram<'route' | 'method' | 'status'>
}

/** A registry of its own per app, so that two apps in one process never share counters. */
export function createMetrics(): ServiceMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds, by route template, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return { registry, requestDuration }
}
