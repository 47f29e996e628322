// npm run bench:service [-- --duration 10 --connections 10]
// Starts the built reference service on a free loopback port, drives GET /health and GET /
// with autocannon for --duration seconds each, prints requests/s and latency per route,
// then stops the service with SIGTERM. Builds service/dist first when it is missing or older
// than service/src. The service logs at LOG_LEVEL (default info, as deployed) to /dev/null.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const root = new URL('../..', import.meta.url).pathname
const serviceDir = join(root, 'service')
const entry = join(serviceDir, 'dist', 'server.js')
const routes = ['/health', '/']

function fail(message) {
  console.error(`bench:service: ${message}`)
  process.exit(2)
}

let options
try {
  options = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
    },
    strict: true,
  }).values
} catch (error) {
  fail(error.message.split('\n')[0])
}
const duration = Number(options.duration)
const connections = Number(options.connections)
if (!Number.isInteger(duration) || duration < 1) fail(`invalid --duration '${options.duration}'`)
if (!Number.isInteger(connections) || connections < 1) {
  fail(`invalid --connections '${options.connections}'`)
}

function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))))
}

if (!existsSync(entry) || statSync(entry).mtimeMs < newest(join(serviceDir, 'src'))) {
  if (!existsSync(join(serviceDir, 'node_modules'))) {
    const install = spawnSync('npm', ['ci', '--prefix', serviceDir, '--no-audit', '--no-fund'], {
      stdio: 'inherit',
    })
    if (install.status !== 0) fail('npm ci in service/ failed')
  }
  const build = spawnSync('npm', ['--prefix', serviceDir, 'run', 'build'], { stdio: 'inherit' })
  if (build.status !== 0) fail('service build failed')
}

const port = await new Promise((resolve, reject) => {
  const probe = createServer()
  probe.on('error', reject)
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address()
    probe.close(() => resolve(port))
  })
})
const logLevel = process.env.LOG_LEVEL || 'info'
const service = spawn(process.execPath, [entry], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: logLevel },
  stdio: ['ignore', 'ignore', 'inherit'],
})
const exited = new Promise((resolve) => service.on('exit', (code) => resolve(code)))
const base = `http://127.0.0.1:${port}`

const deadline = Date.now() + 15_000
for (;;) {
  if (service.exitCode !== null) fail(`service exited ${service.exitCode} on start`)
  try {
    if ((await fetch(`${base}/health`)).status === 200) break
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    service.kill('SIGKILL')
    fail('service did not answer /health within 15 s')
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
}

console.log(
  `bench:service: node ${process.versions.node}, ${cpus().length} CPUs, ` +
    `${connections} connections, ${duration} s per route, LOG_LEVEL=${logLevel}`,
)
const rows = []
let failures = 0
try {
  for (const route of routes) {
    // A short unmeasured run first, so JIT warm-up does not count against the route.
    await autocannon({ url: `${base}${route}`, connections, duration: 1 })
    const result = await autocannon({ url: `${base}${route}`, connections, duration })
    failures += result.errors + result.timeouts + result.non2xx
    rows.push({
      route,
      'requests/s (mean)': Math.round(result.requests.average),
      'latency p50 ms': result.latency.p50,
      'latency p99 ms': result.latency.p99,
      'latency max ms': result.latency.max,
      requests: result.requests.total,
      'errors+non-2xx': result.errors + result.timeouts + result.non2xx,
    })
  }
} finally {
  service.kill('SIGTERM')
}
console.table(rows)
const code = await exited
if (code !== 0) fail(`service exited ${code} after SIGTERM`)
if (failures > 0) {
  console.error(`bench:service: ${failures} failed requests; the figures above are not valid`)
  process.exit(1)
}
