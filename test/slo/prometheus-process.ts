import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLoopbackPort } from '../support/free-port'
import { prometheus } from './tools'

export interface PrometheusProcess {
  url: string
  /** Resolves once `query` returns at least one sample (bounded by `timeoutMs`). */
  waitForSamples(query: string, timeoutMs?: number): Promise<void>
  logs(): string
  stop(): Promise<void>
}

/**
 * The Debian `prometheus` server on a free loopback port, scraping `targets` (job name →
 * host:port) every second into a temporary storage directory that `stop` removes.
 */
export async function startPrometheus(targets: Record<string, string>): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-prometheus-'))
  const port = await freeLoopbackPort()
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
    scrape_configs: Object.entries(targets).map(([job, target]) => ({
      job_name: job,
      static_configs: [{ targets: [target] }],
    })),
  }
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config))
  let output = ''
  const child: ChildProcess = spawn(
    prometheus(),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  })
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`prometheus exited ${child.exitCode} on start: ${output}`)
    }
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`prometheus was not ready within 30 s: ${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    logs: () => output,
    stop,
    async waitForSamples(query, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`)
        const body = (await response.json()) as { data?: { result?: unknown[] } }
        if ((body.data?.result?.length ?? 0) > 0) return
        if (Date.now() > until) throw new Error(`no samples for ${query} within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
  }
}

/**
 * A bounded load generator: `requests` GETs of `path`, `concurrency` at a time, stopping early
 * at `timeLimitMs`. Returns the status codes it saw.
 */
export async function generateLoad(
  baseUrl: string,
  {
    requests,
    concurrency = 4,
    timeLimitMs = 15_000,
    path = '/',
  }: { requests: number; concurrency?: number; timeLimitMs?: number; path?: string },
): Promise<number[]> {
  const statuses: number[] = []
  const deadline = Date.now() + timeLimitMs
  let next = 0
  const worker = async () => {
    while (next < requests && Date.now() < deadline) {
      next++
      const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(5_000) })
      await response.arrayBuffer()
      statuses.push(response.status)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return statuses
}
