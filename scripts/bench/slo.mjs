// Benchmark: how long one `golden-path slo gate` decision takes against a local Prometheus.
// Starts the reference service (service/dist) with a little fault injection, a Prometheus
// (Debian package) scraping it every second, drives bounded load, then runs the built CLI as a
// separate process for each decision and measures process start to exit. The budget is 1 s.
//
//   npm run bench:slo [-- --runs 20]
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } })
const runs = Math.min(Math.max(Number(values.runs) || 20, 1), 200)
const budgetMs = 1000

const cli = join(root, 'cli/dist/index.js')
const service = join(root, 'service/dist/server.js')
if (!existsSync(cli) || !existsSync(service)) {
  spawnSync('node', ['scripts/build.mjs', 'cli', 'service'], { cwd: root, stdio: 'inherit' })
}
const entryDir = join(root, '.cache/bench-slo')
mkdirSync(entryDir, { recursive: true })
const built = spawnSync(
  'npx',
  ['ncc', 'build', 'scripts/bench/slo-gate-entry.ts', '--out', entryDir, '--quiet'],
  { cwd: root, stdio: 'inherit' },
)
if (built.status !== 0) {
  console.error('bench:slo: building the gate entry failed')
  process.exit(1)
}
const gateModule = await import(join(entryDir, 'index.js'))

const prometheusBinary = ['/usr/bin/prometheus', 'prometheus'].find(
  (candidate) => spawnSync(candidate, ['--version']).status === 0,
)
if (!prometheusBinary) {
  console.error('bench:slo: prometheus is missing; install it with: apt-get install -y prometheus')
  process.exit(1)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(url, what) {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up within 30 s`)
    await sleep(100)
  }
}

const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-slo-'))
const children = []
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}
process.on('exit', stopAll)

try {
  const servicePort = await freePort()
  children.push(
    spawn(process.execPath, [service], {
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(servicePort),
        FAULT_ERROR_RATIO: '0.01',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    }),
  )
  const serviceUrl = `http://127.0.0.1:${servicePort}`
  await waitFor(`${serviceUrl}/health`, 'the service')

  const prometheusPort = await freePort()
  writeFileSync(
    join(work, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [
        {
          job_name: 'reference-service',
          static_configs: [{ targets: [`127.0.0.1:${servicePort}`] }],
        },
      ],
    }),
  )
  children.push(
    spawn(
      prometheusBinary,
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    ),
  )
  const prometheusUrl = `http://127.0.0.1:${prometheusPort}`
  await waitFor(`${prometheusUrl}/-/ready`, 'Prometheus')

  // Bounded load: 2000 requests, 8 at a time, at most 15 s.
  let sent = 0
  const loadDeadline = Date.now() + 15_000
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < 2000 && Date.now() < loadDeadline) {
        sent++
        await (await fetch(`${serviceUrl}/`)).arrayBuffer()
      }
    }),
  )
  await sleep(3_000)

  const args = [
    'slo',
    'gate',
    '--prometheus',
    prometheusUrl,
    '--spec',
    join(root, 'service/slo.yaml'),
    '--window',
    '1m',
    '--max-burn-rate',
    '1000',
  ]
  const timings = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    const result = spawnSync(process.execPath, [cli, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    })
    timings.push(performance.now() - started)
    if (result.status !== 0) {
      console.error(`bench:slo: the gate exited ${result.status}: ${result.stdout}${result.stderr}`)
      process.exit(1)
    }
  }
  // Node's own start-up, for scale: what every CLI run pays before the gate begins.
  const startups = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8', timeout: 30_000 })
    startups.push(performance.now() - started)
  }

  // The same decision inside one process: settings, spec, both queries and the verdict.
  const { parseGateSettings, runSloGate, PrometheusClient, systemClock, nullLogger } = gateModule
  const decisions = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    const settings = parseGateSettings(
      {
        prometheus: prometheusUrl,
        spec: join(root, 'service/slo.yaml'),
        window: '1m',
        'max-burn-rate': '1000',
      },
      (name) => `--${name}`,
      root,
    )
    const prometheus = new PrometheusClient(settings.target, {
      requestTimeoutMs: settings.requestTimeoutMs,
    })
    const result = await runSloGate(settings.gate, {
      prometheus,
      clock: systemClock,
      logger: nullLogger,
    })
    decisions.push(performance.now() - started)
    if (!result.ok) throw new Error('the in-process gate failed')
  }
  const format = (ms) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
  const summary = (values) => {
    values.sort((a, b) => a - b)
    const at = (q) => values[Math.min(values.length - 1, Math.floor(q * values.length))]
    return {
      median: at(0.5),
      line: `min ${format(values[0])}  median ${format(at(0.5))}  p95 ${format(at(0.95))}  max ${format(values.at(-1))}`,
    }
  }
  const cliSummary = summary(timings)
  const inProcess = summary(decisions)
  console.log(
    `bench:slo: ${runs} gate decisions each (2 SLOs, ${sent} requests scraped), budget ${budgetMs} ms`,
  )
  console.log(`  CLI process, start to exit:  ${cliSummary.line}`)
  console.log(`  decision inside the process: ${inProcess.line}`)
  console.log(`  golden-path --version alone: ${summary(startups).line}`)
  if (cliSummary.median > budgetMs) {
    console.error(
      `bench:slo: median CLI decision ${format(cliSummary.median)} is over the ${budgetMs} ms budget`,
    )
    process.exitCode = 1
  }
} finally {
  stopAll()
}
