import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface ServiceMetrics {
  registry: Registry
  requestDuration: Histogram<'route' | 'method' | 'status'>
}

export interface BuildInfo {
  version: string
  revision: string
}

/** A registry of its own per app, so that two apps in one process never share counters. */
export function createMetrics(build?: BuildInfo): ServiceMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  if (build !== undefined) {
    // The info-metric convention: always 1, the build in its labels, joined onto other series
    // (e.g. an error-rate change lined up with the revision that was deployed).
    const buildInfo = new Gauge({
      name: 'build_info',
      help: 'Version and revision of the running build; always 1',
      labelNames: ['version', 'revision'] as const,
      registers: [registry],
    })
    buildInfo.set({ version: build.version, revision: build.revision }, 1)
  }
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds, by route template, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return { registry, requestDuration }
}
