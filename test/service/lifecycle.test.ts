import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  ensureServiceBuilt,
  runServiceToExit,
  type ServiceProcess,
  startService,
} from '../support/service-process'

const started: ServiceProcess[] = []

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService(env)
  started.push(service)
  return service
}

/** Waits until the service has logged the start of a request for this path. */
function requestStarted(service: ServiceProcess, path: string) {
  return service.waitForLog(
    (line) =>
      line.msg === 'incoming request' && (line.req as { url?: string } | undefined)?.url === path,
  )
}

beforeAll(async () => {
  await ensureServiceBuilt()
})

afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()))
})

describe('service start-up', () => {
  it.each([['http'], ['0'], ['70000'], ['-1'], ['8080.5']])(
    'refuses PORT=%s with one line naming PORT and exit code 1',
    async (port) => {
      const result = await runServiceToExit({ PORT: port })
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        `service: invalid PORT '${port}': expected an integer from 1 to 65535\n`,
      )
      expect(result.stdout).toBe('')
    },
  )

  it('refuses a port already in use with one line and exit code 1', async () => {
    const first = await start({})
    const port = new URL(first.url).port
    const result = await runServiceToExit({ PORT: port })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      new RegExp(`^service: cannot listen on 127\\.0\\.0\\.1:${port}: .+\\n$`),
    )
  })
})

describe('service shutdown on SIGTERM', () => {
  // The slow request and the shutdown delay leave seconds of margin for the checks made while
  // draining, so a loaded machine does not turn them into connection refusals.
  it('finishes an in-flight request, answers /ready with 503 meanwhile, and exits 0', async () => {
    const service = await start({ ENABLE_SLOW_ROUTE: 'true', DRAIN_TIMEOUT_SECONDS: '20' })
    const slow = fetch(`${service.url}/api/slow?ms=3000`)
    await requestStarted(service, '/api/slow?ms=3000')

    service.child.kill('SIGTERM')
    await service.waitForLog((line) => line.msg === 'SIGTERM received: draining')
    const ready = await fetch(`${service.url}/ready`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'draining' })
    expect((await fetch(`${service.url}/health`)).status).toBe(200)

    const response = await slow
    expect(response.status).toBe(200)
    expect(response.headers.get('connection')).toBe('close')
    expect(await response.json()).toEqual({ sleptMs: 3000 })
    expect(await service.exited).toEqual({ code: 0, signal: null })
    expect(service.logLines().map((line) => line.msg)).toContain('drained: exiting')
  })

  it('closes requests still running when the drain timeout ends, then exits 0', async () => {
    const service = await start({ ENABLE_SLOW_ROUTE: 'true', DRAIN_TIMEOUT_SECONDS: '1' })
    const slow = fetch(`${service.url}/api/slow?ms=20000`).then(
      (response) => `answered ${response.status}`,
      () => 'connection closed',
    )
    await requestStarted(service, '/api/slow?ms=20000')

    service.child.kill('SIGTERM')
    expect(await service.exited).toEqual({ code: 0, signal: null })
    expect(await slow).toBe('connection closed')
    expect(service.logLines()).toContainEqual(
      expect.objectContaining({
        msg: 'drain timeout reached: closing with requests in flight',
        inFlight: 1,
      }),
    )
  })

  it('does not wait for requests their clients aborted: SIGTERM exits well before the drain timeout', async () => {
    const service = await start({ ENABLE_SLOW_ROUTE: 'true', DRAIN_TIMEOUT_SECONDS: '25' })
    const aborted = Array.from({ length: 3 }, (_, index) => {
      const controller = new AbortController()
      const path = `/api/slow?ms=${20_000 + index}`
      const request = fetch(`${service.url}${path}`, { signal: controller.signal }).catch(
        () => 'aborted',
      )
      return { controller, path, request }
    })
    for (const { path } of aborted) await requestStarted(service, path)
    for (const { controller, request } of aborted) {
      controller.abort()
      await request
    }
    // The server sees each abort as its socket closing; give it a moment to notice.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const signalled = Date.now()
    service.child.kill('SIGTERM')
    expect(await service.exited).toEqual({ code: 0, signal: null })
    expect(Date.now() - signalled).toBeLessThan(15_000)
    const messages = service.logLines().map((line) => line.msg)
    expect(messages).toContain('drained: exiting')
    expect(messages).not.toContain('drain timeout reached: closing with requests in flight')
    expect(service.logLines()).toContainEqual(
      expect.objectContaining({ msg: 'SIGTERM received: draining', inFlight: 0 }),
    )
  })

  it('keeps listening with /ready at 503 for SHUTDOWN_DELAY_SECONDS, then exits 0', async () => {
    const service = await start({ SHUTDOWN_DELAY_SECONDS: '3' })
    service.child.kill('SIGTERM')
    await service.waitForLog((line) => line.msg === 'SIGTERM received: draining')
    const ready = await fetch(`${service.url}/ready`)
    expect(ready.status).toBe(503)
    expect(service.child.exitCode).toBeNull()
    expect(await service.exited).toEqual({ code: 0, signal: null })
  })

  it('exits 0 at once when idle', async () => {
    const service = await start({})
    service.child.kill('SIGTERM')
    expect(await service.exited).toEqual({ code: 0, signal: null })
    expect(service.stderr()).toBe('')
  })
})
