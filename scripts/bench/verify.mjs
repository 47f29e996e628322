// Benchmark: how long `golden-path verify` takes to exit once Argo CD reports
// the final Healthy state. Each run starts the Argo CD simulator with a scripted
// rollout, runs the built CLI as a separate process, and measures from the
// moment the simulator served the final state (written to the watch stream, or
// became current for polling) to the moment the CLI process exited.
//
//   npm run bench:verify [-- --runs 50 --poll-interval 1]
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    'poll-interval': { type: 'string', default: '1' },
    step: { type: 'string', default: '100' },
  },
})
const runs = Number(values.runs)
const pollInterval = Number(values['poll-interval'])
const stepMs = Number(values.step)
const token = 'bench-token-0123456789'

function build(args, what) {
  const result = spawnSync('npx', ['ncc', 'build', ...args], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`bench:verify: building ${what} failed`)
    process.exit(1)
  }
}

const cli = join(root, 'cli/dist/index.js')
if (!existsSync(cli))
  spawnSync('node', ['scripts/build.mjs', 'cli'], { cwd: root, stdio: 'inherit' })
const simulatorDir = join(root, '.cache/bench-verify')
mkdirSync(simulatorDir, { recursive: true })
build(
  ['scripts/bench/argocd-simulator-entry.ts', '--out', simulatorDir, '--quiet'],
  'the simulator',
)
const { ArgoCdSimulator, rolloutFrames, scenario, newRevision } = await import(
  join(simulatorDir, 'index.js')
)

async function once(watch) {
  const simulator = await ArgoCdSimulator.start({
    scenario: scenario('bench', rolloutFrames(stepMs)),
    token,
  })
  try {
    const child = spawn(
      process.execPath,
      [
        cli,
        'verify',
        '--server',
        simulator.url,
        '--app',
        'web',
        '--revision',
        newRevision,
        '--watch',
        watch,
        '--poll-interval',
        String(pollInterval),
        '--output',
        'json',
      ],
      {
        cwd: root,
        env: { ...process.env, ARGOCD_AUTH_TOKEN: token },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    const code = await new Promise((resolve) => child.on('exit', resolve))
    const exitedAt = performance.now()
    if (code !== 0) throw new Error(`verify exited ${code}: ${stdout}`)
    const healthyAt = simulator.finalStateAt(watch === 'poll' ? 'poll' : 'stream')
    if (healthyAt === undefined) throw new Error('the simulator never served the final state')
    return exitedAt - healthyAt
  } finally {
    await simulator.close()
  }
}

function percentile(sorted, p) {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)]
}

const report = {}
for (const watch of ['ndjson', 'poll']) {
  const samples = []
  for (let run = 0; run < runs; run++) samples.push(await once(watch))
  samples.sort((a, b) => a - b)
  report[watch] = {
    runs,
    medianMs: Math.round(percentile(samples, 50)),
    p95Ms: Math.round(percentile(samples, 95)),
    minMs: Math.round(samples[0]),
    maxMs: Math.round(samples[samples.length - 1]),
  }
}

const targets = { ndjson: 250, poll: pollInterval * 1000 + 250 }
console.log(
  `golden-path verify: final Healthy event -> process exit (${runs} runs each, node ${process.versions.node})`,
)
for (const [watch, figures] of Object.entries(report)) {
  const label = watch === 'poll' ? `polling every ${pollInterval} s` : 'streaming'
  const verdict = figures.p95Ms <= targets[watch] ? 'meets' : 'MISSES'
  console.log(
    `  ${label.padEnd(20)} median ${String(figures.medianMs).padStart(5)} ms  p95 ${String(figures.p95Ms).padStart(5)} ms  (min ${figures.minMs}, max ${figures.maxMs}; target p95 <= ${targets[watch]} ms: ${verdict})`,
  )
}
console.log(JSON.stringify(report))
