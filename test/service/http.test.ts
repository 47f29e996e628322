import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureServiceBuilt, type ServiceProcess, startService } from '../support/service-process'

const bodyLimitBytes = 1024
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Prometheus text exposition format: `name{label="value",...} number` per sample line. */
function samples(exposition: string): Sample[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`)
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(
          (label) => [label[1], label[2]],
        ),
      )
      return { name: match[1], labels, value: Number(match[3]) }
    })
}

describe('reference service over HTTP', () => {
  let service: ServiceProcess

  beforeAll(async () => {
    await ensureServiceBuilt()
    service = await startService({
      BODY_LIMIT_BYTES: String(bodyLimitBytes),
      APP_NAME: 'checkout',
      APP_VERSION: '2.7.1',
      APP_REVISION: '4f1c2e9d0b7a6c5e3f2d1a0b9c8d7e6f5a4b3c2d',
    })
  })

  afterAll(async () => {
    await service?.stop()
  })

  it('answers /health with 200 while it can serve', async () => {
    const response = await fetch(`${service.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('answers /ready with 200 once it is serving', async () => {
    const response = await fetch(`${service.url}/ready`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready' })
  })

  it('reports name, version and revision from the environment on /', async () => {
    const response = await fetch(`${service.url}/`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      name: 'checkout',
      version: '2.7.1',
      revision: '4f1c2e9d0b7a6c5e3f2d1a0b9c8d7e6f5a4b3c2d',
    })
  })

  it.each([
    ['GET', '/no/such/route?x=1'],
    ['DELETE', '/health'],
    ['POST', '/'],
  ])('answers %s %s with a JSON 404', async (method, path) => {
    const response = await fetch(`${service.url}${path}`, { method })
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `no route for ${method} ${path.split('?')[0]}`,
    })
  })

  it('accepts a JSON body up to the limit', async () => {
    const payload = { note: 'x'.repeat(bodyLimitBytes - 20) }
    expect(JSON.stringify(payload).length).toBeLessThanOrEqual(bodyLimitBytes)
    const response = await fetch(`${service.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: payload })
  })

  it('rejects a body over BODY_LIMIT_BYTES with a JSON 413', async () => {
    const response = await fetch(`${service.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x'.repeat(bodyLimitBytes) }),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' })
  })

  it('exposes default process metrics and a request duration histogram by route, method and status', async () => {
    await fetch(`${service.url}/health`)
    await fetch(`${service.url}/no/such/route`)
    const response = await fetch(`${service.url}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const all = samples(await response.text())
    const names = new Set(all.map((sample) => sample.name))
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(names, name).toContain(name)
    }
    const count = (labels: Record<string, string>) =>
      all.find(
        (sample) =>
          sample.name === 'http_request_duration_seconds_count' &&
          Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      )?.value ?? 0
    expect(count({ route: '/health', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1)
    // Unknown paths share one label value, so scanners cannot blow up the series count.
    expect(count({ route: 'unmatched', method: 'GET', status: '404' })).toBeGreaterThanOrEqual(1)
    expect(all.some((sample) => sample.labels.route === '/no/such/route')).toBe(false)
    expect(
      all.some(
        (sample) =>
          sample.name === 'http_request_duration_seconds_bucket' &&
          sample.labels.le === '+Inf' &&
          sample.labels.route === '/health',
      ),
    ).toBe(true)
  })

  it('honours an incoming x-request-id: echoes it and logs the request under it', async () => {
    const id = 'req-7f3a9c-01'
    const response = await fetch(`${service.url}/health`, { headers: { 'x-request-id': id } })
    expect(response.headers.get('x-request-id')).toBe(id)
    const completed = await service.waitForLog(
      (line) => line.reqId === id && line.msg === 'request completed',
    )
    expect(completed).toMatchObject({ level: 30, res: { statusCode: 200 } })
  })

  it.each([
    ['none', undefined],
    ['one with spaces and quotes', 'x" injected="1'],
    ['one longer than 128 characters', 'a'.repeat(129)],
  ])('gives a request with %s as x-request-id a fresh UUID', async (_case, given) => {
    const response = await fetch(`${service.url}/health`, {
      headers: given === undefined ? {} : { 'x-request-id': given },
    })
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(uuid)
    await service.waitForLog((line) => line.reqId === id && line.msg === 'request completed')
  })

  it('writes every stdout line as a JSON object with a level, time and message', () => {
    const lines = service.logLines()
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) {
      expect(line).toMatchObject({
        level: expect.any(Number),
        time: expect.any(Number),
        msg: expect.any(String),
      })
    }
    expect(service.stderr()).toBe('')
  })
})
