import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli } from '../support/cli-io'
import { freeLoopbackPort } from '../support/free-port'
import { ensureServiceBuilt, type ServiceProcess, startService } from '../support/service-process'
import { readOutputs, stepFiles } from '../support/step-files'
import { generateLoad, type PrometheusProcess, startPrometheus } from './prometheus-process'

// The real thing end to end: the reference service (service/dist) with fault injection, scraped
// every second by a real Prometheus, and `golden-path slo gate` deciding from its HTTP API.
// The SLIs are the reference service's own (service/slo.yaml), pointed at each test job and
// with a 95% objective so that a 1% error ratio is clearly within budget and 50% clearly not.
const repoRoot = new URL('../..', import.meta.url).pathname

function specFor(job: string): string {
  return readFileSync(join(repoRoot, 'service', 'slo.yaml'), 'utf8')
    .replaceAll('job="reference-service"', `job="${job}"`)
    .replace('objective: 99.9', 'objective: 95')
    .replace('objective: 99\n', 'objective: 95\n')
}

/** Requests `/` until the service has answered both 200 and 500 (bounded). */
async function bothAnswers(baseUrl: string): Promise<void> {
  const seen = new Set<number>()
  for (let request = 0; request < 3_000 && !(seen.has(200) && seen.has(500)); request++) {
    const response = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(5_000) })
    await response.arrayBuffer()
    seen.add(response.status)
  }
  if (!(seen.has(200) && seen.has(500)))
    throw new Error(`${baseUrl} never answered both 200 and 500`)
}

describe('slo gate against a real Prometheus scraping the reference service', () => {
  let prometheus: PrometheusProcess
  const services: ServiceProcess[] = []
  let work: string
  const spec = (job: string) => join(work, `${job}.yaml`)

  beforeAll(async () => {
    await ensureServiceBuilt()
    work = mkdtempSync(join(tmpdir(), 'golden-path-slo-gate-'))
    for (const job of ['svc-low', 'svc-high', 'svc-idle']) writeFileSync(spec(job), specFor(job))
    const low = await startService({ FAULT_ERROR_RATIO: '0.01', LOG_LEVEL: 'warn' })
    services.push(low)
    const high = await startService({ FAULT_ERROR_RATIO: '0.5', LOG_LEVEL: 'warn' })
    services.push(high)
    const host = (url: string) => new URL(url).host
    prometheus = await startPrometheus({ 'svc-low': host(low.url), 'svc-high': host(high.url) })
    // Every series the load will move (200 and 500 on both services) must exist before it, so
    // that rate() sees the load as an increase: a series first scraped after the load would
    // show none. So: answers of both kinds first, then a scrape of them, then the load.
    await Promise.all([bothAnswers(low.url), bothAnswers(high.url)])
    await prometheus.waitForSamples(
      'count(http_request_duration_seconds_count{job=~"svc-low|svc-high",route="/"}) >= 4',
    )
    const warmed = Date.now() / 1000
    await prometheus.waitForSamples(
      `min(timestamp(http_request_duration_seconds_count{job=~"svc-low|svc-high",route="/"})) > ${warmed + 1}`,
      30_000,
    )
    const [lowStatuses, highStatuses] = await Promise.all([
      generateLoad(low.url, { requests: 800, timeLimitMs: 10_000 }),
      generateLoad(high.url, { requests: 800, timeLimitMs: 10_000 }),
    ])
    expect(lowStatuses.length).toBeGreaterThan(200)
    expect(highStatuses.filter((status) => status === 500).length).toBeGreaterThan(50)
    // A scrape of both services that began after the load, so the last counters are in
    // Prometheus: waited for, not slept, since a loaded machine delays scrapes.
    const loadEnded = Date.now() / 1000
    await prometheus.waitForSamples(
      `min(timestamp(http_request_duration_seconds_count{job=~"svc-low|svc-high"})) > ${loadEnded + 1}`,
      30_000,
    )
  }, 90_000)

  afterAll(async () => {
    await prometheus?.stop()
    await Promise.all(services.map((service) => service.stop()))
    if (work) rmSync(work, { recursive: true, force: true })
  })

  const gate = (...args: string[]) =>
    runCli(['slo', 'gate', '--prometheus', prometheus.url, ...args], repoRoot)

  it('passes at a 1% error ratio: every SLO within a 95% budget', async () => {
    const result = await gate('--spec', spec('svc-low'), '--window', '1m', '--output', 'json')
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report.ok).toBe(true)
    expect(report.slos.map((slo: { name: string }) => slo.name)).toEqual([
      'requests-availability',
      'requests-latency',
    ])
    const availability = report.slos[0]
    expect(availability).toMatchObject({ objective: 95, window: '1m', ok: true })
    expect(availability.errorRatio).toBeGreaterThan(0)
    expect(availability.errorRatio).toBeLessThan(0.04)
    expect(availability.burnRate).toBeCloseTo(availability.errorRatio / 0.05, 6)
  })

  it('fails at a 50% error ratio, naming the SLO with its figures', async () => {
    const result = await gate('--spec', spec('svc-high'), '--window', '1m')
    expect(result.code).toBe(1)
    const line = result.stdout.split('\n').find((text) => text.includes('requests-availability'))
    expect(line).toMatch(
      /^ {2}FAIL requests-availability \(objective 95%\): error ratio 0\.\d+, burn rate \d+(\.\d+)?/,
    )
    expect(line).toMatch(/exceeds 1/)
    expect(result.stdout).toMatch(/^ {2}ok {3}requests-latency/m)
    const json = JSON.parse(
      (await gate('--spec', spec('svc-high'), '--window', '1m', '--output', 'json')).stdout,
    )
    const availability = json.slos[0]
    expect(availability.ok).toBe(false)
    expect(availability.errorRatio).toBeGreaterThan(0.3)
    expect(availability.burnRate).toBeGreaterThan(6)
  })

  it('passes the failing service when only its latency SLO is gated (--slo)', async () => {
    const result = await gate(
      '--spec',
      spec('svc-high'),
      '--slo',
      'requests-latency',
      '--window',
      '1m',
    )
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).not.toContain('requests-availability')
  })

  it('fails on a remaining budget below --min-budget-remaining, counted over the period', async () => {
    const result = await gate(
      '--spec',
      spec('svc-high'),
      '--slo',
      'requests-availability',
      '--window',
      '1m',
      '--max-burn-rate',
      '1000',
      '--min-budget-remaining',
      '0.5',
      '--output',
      'json',
    )
    expect(result.code).toBe(1)
    const [availability] = JSON.parse(result.stdout).slos
    // Half the requests failed against a 5% budget: the budget is overspent about ten times.
    expect(availability.budgetRemaining).toBeLessThan(-5)
    expect(availability.reason).toMatch(/of the 30d error budget remains, below 0\.5/)
  })

  it('fails when Prometheus has no data for the SLI, unless --allow-no-data', async () => {
    const missing = await gate('--spec', spec('svc-idle'), '--window', '1m')
    expect(missing.code).toBe(1)
    expect(missing.stdout).toMatch(/requests-availability .*no data over 1m/)
    const allowed = await gate(
      '--spec',
      spec('svc-idle'),
      '--window',
      '1m',
      '--allow-no-data',
      '--output',
      'json',
    )
    expect(allowed.code).toBe(0)
    expect(JSON.parse(allowed.stdout).slos[0]).toMatchObject({
      errorRatio: null,
      burnRate: null,
      ok: true,
    })
  })

  it('bakes: keeps evaluating a healthy service until the time is up, stops at once on a failing one', async () => {
    const healthy = await gate(
      '--spec',
      spec('svc-low'),
      '--window',
      '1m',
      '--bake',
      '3s',
      '--interval',
      '1s',
      '--output',
      'json',
    )
    expect(healthy.code, healthy.stderr).toBe(0)
    expect(JSON.parse(healthy.stdout).evaluations).toBeGreaterThanOrEqual(3)
    const started = Date.now()
    const failing = await gate(
      '--spec',
      spec('svc-high'),
      '--window',
      '1m',
      '--bake',
      '10m',
      '--output',
      'json',
    )
    expect(failing.code).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(JSON.parse(failing.stdout).evaluations).toBe(1)
  })

  it('never prints the token, and sends it as a bearer token', async () => {
    const token = 'prom-secret-token-1234567890'
    const result = await gate('--spec', spec('svc-high'), '--window', '1m', '--token', token)
    expect(result.code).toBe(1)
    expect(result.stdout + result.stderr).not.toContain(token)
  })

  it('decides the same in the slo-gate action (its committed bundle), with outputs and a summary', () => {
    const actionYaml = parse(readFileSync(join(repoRoot, 'actions/slo-gate/action.yml'), 'utf8'))
    const runAction = (inputs: Record<string, string>) => {
      const files = stepFiles(mkdtempSync(join(work, 'step-')))
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        GITHUB_WORKSPACE: work,
        GITHUB_OUTPUT: files.output,
        GITHUB_STEP_SUMMARY: files.summary,
      }
      // The runner passes every declared input, with its default when the workflow gives none.
      for (const [name, spec] of Object.entries(
        actionYaml.inputs as Record<string, { default?: string }>,
      )) {
        env[`INPUT_${name.toUpperCase()}`] = inputs[name] ?? spec.default ?? ''
      }
      const run = spawnSync(process.execPath, [join(repoRoot, 'actions/slo-gate/dist/index.js')], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      })
      return {
        code: run.status,
        stdout: run.stdout,
        outputs: readOutputs(files.output),
        summary: readFileSync(files.summary, 'utf8'),
      }
    }
    const pass = runAction({
      prometheus: prometheus.url,
      spec: 'svc-low.yaml',
      window: '1m',
      token: 'action-token-abcdef',
    })
    expect(pass.code, pass.stdout).toBe(0)
    expect(pass.outputs.ok).toBe('true')
    expect(JSON.parse(pass.outputs.result).slos).toHaveLength(2)
    expect(pass.summary).toContain('SLO gate passed')
    // Only the runner's mask command carries it, so the runner hides it everywhere else.
    expect(pass.stdout.split('\n').filter((line) => line.includes('action-token-abcdef'))).toEqual([
      '::add-mask::action-token-abcdef',
    ])
    const fail = runAction({ prometheus: prometheus.url, spec: 'svc-high.yaml', window: '1m' })
    expect(fail.code).toBe(1)
    expect(fail.outputs.ok).toBe('false')
    expect(fail.stdout).toMatch(
      /::error::slo-gate: requests-availability: burn rate \d+(\.\d+)? over 1m exceeds 1/,
    )
    const usage = runAction({ prometheus: prometheus.url, spec: 'svc-low.yaml', window: 'an hour' })
    expect(usage.code).toBe(1)
    expect(usage.stdout).toContain("::error::slo-gate: invalid input 'window' 'an hour'")
  })

  it('exits 2 when Prometheus cannot be reached, naming the URL and not its credentials', async () => {
    const port = await freeLoopbackPort()
    const result = await runCli(
      [
        'slo',
        'gate',
        '--prometheus',
        `http://admin:hunter2@127.0.0.1:${port}`,
        '--spec',
        spec('svc-low'),
      ],
      repoRoot,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      new RegExp(`cannot reach Prometheus at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
    )
    expect(result.stderr).not.toContain('hunter2')
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })
})
