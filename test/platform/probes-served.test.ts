import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnRunner } from '../../actions/lib/ports'
import {
  appContainer,
  environments,
  findObject,
  type HttpGetProbe,
  type KubeObject,
  overlayDir,
  renderKustomization,
  repoRoot,
} from './kube-objects'

// Starts the real reference service with the environment the manifests give it
// and asks it for the paths the probes use.

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function statusOf(url: string): Promise<number> {
  const response = await fetch(url)
  await response.arrayBuffer()
  return response.status
}

async function waitForStatus(url: string, wanted: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if ((await statusOf(url)) === wanted) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer ${wanted} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let deployments: KubeObject[] = []
const serverScript = join(repoRoot, 'service', 'dist', 'server.js')

beforeAll(async () => {
  const build = await spawnRunner.run(
    'npm',
    ['--prefix', join(repoRoot, 'service'), 'run', 'build'],
    {
      timeoutMs: 120_000,
    },
  )
  if (build.exitCode !== 0 || !existsSync(serverScript)) {
    throw new Error(`building the service failed: ${build.stderr.trim() || build.stdout.trim()}`)
  }
  deployments = await Promise.all(
    environments.map(async (environment) =>
      findObject(await renderKustomization(overlayDir(environment)), 'Deployment'),
    ),
  )
})

describe('the probes of every overlay point at paths the service serves', () => {
  let service: ChildProcess | undefined
  let base = ''

  beforeAll(async () => {
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    service = spawn(process.execPath, [serverScript], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    })
    await waitForStatus(`${base}/ready`, 200, 15_000)
  })

  afterAll(() => {
    service?.kill('SIGKILL')
  })

  it.each(environments.map((environment, index) => [environment, index] as const))(
    '%s: every probe path answers 200 once the service is serving',
    async (_environment, index) => {
      const container = appContainer(deployments[index])
      const probes: [string, HttpGetProbe | undefined][] = [
        ['liveness', container.livenessProbe],
        ['readiness', container.readinessProbe],
        ['startup', container.startupProbe],
      ]
      for (const [kind, probe] of probes) {
        expect(probe?.httpGet, kind).toBeDefined()
        expect(
          await statusOf(`${base}${probe?.httpGet?.path}`),
          `${kind} ${probe?.httpGet?.path}`,
        ).toBe(200)
      }
    },
  )

  it('a path the service does not serve answers 404, so a wrong probe path would fail', async () => {
    expect(await statusOf(`${base}/healthz`)).toBe(404)
  })
})

describe('shutdown with the prod Deployment settings', () => {
  it('fails readiness, stays live and exits within the termination grace period after SIGTERM', async () => {
    const deployment = deployments[environments.indexOf('prod')]
    const container = appContainer(deployment)
    const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'silent' }
    for (const variable of container.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value
    }
    const port = await freePort()
    env.PORT = String(port)
    const base = `http://127.0.0.1:${port}`
    const service = spawn(process.execPath, [serverScript], { env, stdio: 'ignore' })
    try {
      await waitForStatus(`${base}${container.readinessProbe?.httpGet?.path}`, 200, 15_000)
      const exited = once(service, 'exit')
      const signalledAt = Date.now()
      service.kill('SIGTERM')
      await waitForStatus(`${base}${container.readinessProbe?.httpGet?.path}`, 503, 2_000)
      // While readiness is failing the liveness probe must still pass, or the
      // kubelet would restart a pod that is only draining.
      expect(await statusOf(`${base}${container.livenessProbe?.httpGet?.path}`)).toBe(200)
      const [code] = await exited
      const stoppedAfterMs = Date.now() - signalledAt
      expect(code).toBe(0)
      expect(stoppedAfterMs).toBeLessThan(
        deployment.spec.template.spec.terminationGracePeriodSeconds * 1000,
      )
    } finally {
      service.kill('SIGKILL')
    }
  })
})
