import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ensureServiceBuilt,
  runServiceToExit,
  type ServiceProcess,
  startService,
} from '../support/service-process'

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

describe('reference service observability: build_info and W3C trace context', () => {
  let service: ServiceProcess

  beforeAll(async () => {
    await ensureServiceBuilt()
    service = await startService({ APP_VERSION: '3.1.4', APP_REVISION: 'a1b2c3d4e5f6' })
  })
  afterAll(async () => {
    await service?.stop()
  })

  it('exposes build_info 1 labelled with the version and revision it runs', async () => {
    const metrics = await (await fetch(`${service.url}/metrics`)).text()
    expect(metrics).toMatch(/^# TYPE build_info gauge$/m)
    expect(metrics).toMatch(/^build_info\{version="3\.1\.4",revision="a1b2c3d4e5f6"\} 1$/m)
  })

  it("continues the caller's trace: same trace id in the answer and in every log line of the request", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const response = await fetch(`${service.url}/`, {
      headers: {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        'x-request-id': 'trace-continued',
      },
    })
    const [, answeredTrace, span, flags] =
      traceparentPattern.exec(response.headers.get('traceparent') ?? '') ?? []
    expect(answeredTrace).toBe(traceId)
    expect(span).not.toBe('00f067aa0ba902b7')
    expect(flags).toBe('01')
    await service.waitForLog(
      (line) => line.reqId === 'trace-continued' && line.msg === 'request completed',
    )
    const lines = service.logLines().filter((line) => line.reqId === 'trace-continued')
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) {
      expect(line.trace_id).toBe(traceId)
      expect(line.span_id).toBe(span)
    }
  })

  it.each([
    ['no traceparent', undefined],
    ['a malformed traceparent', 'not-a-trace'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
  ])('starts a new trace for a request with %s', async (what, header) => {
    const id = `trace-new-${what.replace(/\W+/g, '-')}`
    const headers: Record<string, string> = { 'x-request-id': id }
    if (header !== undefined) headers.traceparent = header
    const response = await fetch(`${service.url}/`, { headers })
    const [, traceId] = traceparentPattern.exec(response.headers.get('traceparent') ?? '') ?? []
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(traceId).not.toBe('0'.repeat(32))
    const completed = await service.waitForLog(
      (line) => line.reqId === id && line.msg === 'request completed',
    )
    expect(completed.trace_id).toBe(traceId)
  })

  it('gives two requests without a traceparent two different trace ids', async () => {
    const ids = await Promise.all(
      [1, 2].map(
        async () =>
          (await fetch(`${service.url}/health`)).headers.get('traceparent')?.split('-')[1],
      ),
    )
    expect(ids[0]).not.toBe(ids[1])
  })

  it('never injects faults unless FAULT_ERROR_RATIO is set', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await fetch(`${service.url}/`)).status),
    )
    expect(statuses).toEqual(Array(20).fill(200))
  })
})

describe('reference service fault injection (FAULT_ERROR_RATIO)', () => {
  beforeAll(async () => {
    await ensureServiceBuilt()
  })

  it('answers the service routes 500 at ratio 1, recorded by status, and keeps probes and metrics healthy', async () => {
    const service = await startService({ FAULT_ERROR_RATIO: '1' })
    try {
      const api = await fetch(`${service.url}/`)
      expect(api.status).toBe(500)
      expect((await api.json()).message).toMatch(/injected fault/)
      expect((await fetch(`${service.url}/api/echo`, { method: 'POST' })).status).toBe(500)
      expect((await fetch(`${service.url}/health`)).status).toBe(200)
      expect((await fetch(`${service.url}/ready`)).status).toBe(200)
      const metrics = await (await fetch(`${service.url}/metrics`)).text()
      expect(metrics).toMatch(
        /http_request_duration_seconds_count\{route="\/",method="GET",status="500"\} 1/,
      )
    } finally {
      await service.stop()
    }
  })

  it('fails about the given share of requests', async () => {
    const service = await startService({ FAULT_ERROR_RATIO: '0.3' })
    try {
      const statuses: number[] = []
      for (let index = 0; index < 300; index++)
        statuses.push((await fetch(`${service.url}/`)).status)
      const failed = statuses.filter((status) => status === 500).length
      // Binomial(300, 0.3): mean 90, sd ≈ 7.9; 50–130 is beyond five sd either way.
      expect(failed).toBeGreaterThan(50)
      expect(failed).toBeLessThan(130)
    } finally {
      await service.stop()
    }
  })

  it('refuses to start with fault injection in production mode', async () => {
    const result = await runServiceToExit({
      FAULT_ERROR_RATIO: '0.1',
      NODE_ENV: 'production',
    })
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toBe(
      'service: FAULT_ERROR_RATIO is refused when NODE_ENV=production: fault injection is for tests; unset it',
    )
  })

  it.each(['2', '-0.1', 'lots', '0.5.1'])(
    'refuses FAULT_ERROR_RATIO=%s at start-up',
    async (value) => {
      const result = await runServiceToExit({ FAULT_ERROR_RATIO: value })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `invalid FAULT_ERROR_RATIO '${value}': expected a ratio from 0 to 1`,
      )
    },
  )
})
