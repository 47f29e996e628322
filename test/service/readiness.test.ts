import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, type ServiceApp } from '../../service/src/app'
import { loadConfig } from '../../service/src/config'

// The process reaches `serving` as soon as it listens, too fast to observe from outside, so
// the lifecycle is driven here on an app listening on a real loopback socket.
describe('readiness follows the service lifecycle', () => {
  let app: ServiceApp
  let url = ''

  beforeAll(async () => {
    app = buildApp(loadConfig({ LOG_LEVEL: 'silent' }))
    await app.fastify.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await app?.fastify.close()
  })

  it('answers /ready with 503 while starting, though /health is already 200', async () => {
    const ready = await fetch(`${url}/ready`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'starting' })
    expect((await fetch(`${url}/health`)).status).toBe(200)
  })

  it('answers /ready with 200 once serving', async () => {
    app.markServing()
    expect((await fetch(`${url}/ready`)).status).toBe(200)
  })

  it('answers /ready with 503 and closes connections after each answer once draining', async () => {
    app.markDraining()
    const ready = await fetch(`${url}/ready`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get('connection')).toBe('close')
    expect(await ready.json()).toEqual({ status: 'draining' })
  })
})
