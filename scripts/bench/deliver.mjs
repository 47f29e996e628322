// `npm run bench:deliver`: wall time of `golden-path deliver --local` on the reference
// service, per step, for a first run (fresh registry storage and GitOps repository, cold
// build cache for the application layers) and a second run right after it (nothing changed:
// the build reuses its layers, the push sends no new blobs, the bump finds the digest pinned).
// Needs the CLI built (`node scripts/build.mjs cli`) and the stand-in bases (scripts/standin-bases.sh).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
const bases = spawnSync('bash', ['scripts/standin-bases.sh'], { cwd: root, encoding: 'utf8' })
if (bases.status !== 0) {
  console.error(`bench:deliver: stand-in base images: ${bases.stderr.trim()}`)
  process.exit(1)
}
const [buildImage, runtimeImage] = bases.stdout.trim().split('\n')
const state = mkdtempSync(join(tmpdir(), 'golden-path-bench-deliver-'))

function deliver() {
  const started = process.hrtime.bigint()
  const run = spawnSync(
    'node',
    [
      'cli/dist/index.js',
      'deliver',
      '--local',
      '--service',
      'service',
      '--test-script',
      'typecheck',
      '--build-arg',
      `BUILD_IMAGE=${buildImage}`,
      '--build-arg',
      `RUNTIME_IMAGE=${runtimeImage}`,
      '--registry',
      '127.0.0.1:5059',
      '--state-dir',
      state,
      '--output',
      'json',
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  )
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9
  if (run.status !== 0) {
    console.error(
      `bench:deliver: deliver exited ${run.status}: ${run.stderr.trim().split('\n').pop()}`,
    )
    console.error(run.stdout)
    process.exit(1)
  }
  return { wallSeconds, result: JSON.parse(run.stdout) }
}

try {
  const runs = [deliver(), deliver()]
  const steps = runs[0].result.report.steps.map((step) => step.name)
  console.log('golden-path deliver --local, reference service (seconds)')
  console.log(`${'step'.padEnd(10)}${'first run'.padStart(12)}${'second run'.padStart(12)}`)
  for (const name of steps) {
    const cells = runs.map((run) => {
      const step = run.result.report.steps.find((entry) => entry.name === name)
      return step.status === 'skipped' ? 'skipped' : (step.durationMs / 1000).toFixed(1)
    })
    console.log(`${name.padEnd(10)}${cells[0].padStart(12)}${cells[1].padStart(12)}`)
  }
  console.log(
    `${'wall'.padEnd(10)}${runs[0].wallSeconds.toFixed(1).padStart(12)}${runs[1].wallSeconds.toFixed(1).padStart(12)}`,
  )
  const digests = runs.map((run) => run.result.report.state.digest)
  console.log(`same digest on both runs: ${digests[0] === digests[1]} (${digests[0]})`)
} finally {
  rmSync(state, { recursive: true, force: true })
}
