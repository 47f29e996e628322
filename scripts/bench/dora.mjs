// Benchmark of `golden-path dora` over a GitOps repository holding 10,000 delivery
// records in refs/notes/golden-path (3 environments, 90 days, ~10% failed): the whole
// CLI process, reading a bare repository in place and through a file:// URL (a fetch).
// Usage: npm run bench:dora [-- --records 10000 --runs 3]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'cli/dist/index.js')
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
  },
})
const count = Math.min(Number(values.records), 200_000)
const runs = Math.min(Math.max(Number(values.runs), 1), 10)
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

if (!existsSync(cli)) {
  console.log('bench: building the CLI first')
  execFileSync('node', [join(root, 'scripts/build.mjs'), 'cli'], { stdio: 'inherit' })
}

const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-dora-'))
const bare = join(work, 'gitops.git')
const hex = (n, width) => n.toString(16).padStart(width, '0')
const until = Date.parse('2026-11-08T00:00:00Z')
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z')
try {
  execFileSync('git', ['init', '--quiet', '--bare', bare], { env })
  const lines = [
    'commit refs/notes/golden-path',
    'committer bench <bench@example.test> 1700000000 +0000',
    'data 5',
    'notes',
  ]
  for (let i = 0; i < count; i++) {
    const commit = hex(0x10000000 + i * 7919, 40)
    const started = until - Math.floor(((i + 0.5) / count) * 90 * 86_400_000)
    const failed = i % 10 === 3
    const record = {
      apiVersion: 'golden-path.dev/v1',
      kind: 'DeliveryRecord',
      environment: ['dev', 'staging', 'prod'][i % 3],
      app: 'payments',
      trigger: i % 10 === 4 ? 'rollback' : 'delivery',
      source: {
        repository: 'https://github.com/acme/payments',
        commit: hex(i, 40),
        committedAt: iso(started - 3_600_000 - (i % 17) * 60_000),
      },
      image: { name: 'ghcr.io/acme/payments', digest: `sha256:${hex(i, 64)}` },
      gitops: { repository: 'https://github.com/acme/gitops', path: 'overlays/prod', commit },
      startedAt: iso(started),
      finishedAt: iso(started + 300_000),
      outcome: failed ? 'failed' : 'healthy',
      ...(failed
        ? { failure: { step: 'verify', message: 'Degraded' } }
        : { healthyAt: iso(started + 300_000) }),
      verified: true,
    }
    const text = JSON.stringify(record)
    // The 2/38 fan-out git notes itself uses once a notes tree grows large.
    lines.push(
      `M 100644 inline ${commit.slice(0, 2)}/${commit.slice(2)}`,
      `data ${Buffer.byteLength(text)}`,
      text,
    )
  }
  execFileSync('git', ['-C', bare, 'fast-import', '--quiet'], {
    input: `${lines.join('\n')}\n`,
    env,
  })
  execFileSync('git', ['-C', bare, 'gc', '--quiet'], { env })

  const time = (repo) => {
    const samples = []
    let output = ''
    for (let run = 0; run < runs; run++) {
      const started = process.hrtime.bigint()
      const result = spawnSync(
        'node',
        [cli, 'dora', '--repo', repo, '--until', iso(until), '--since', '90d', '--output', 'json'],
        { env, encoding: 'utf8' },
      )
      samples.push(Number(process.hrtime.bigint() - started) / 1e6)
      if (result.status !== 0) throw new Error(`dora failed: ${result.stderr}`)
      output = result.stdout
    }
    samples.sort((a, b) => a - b)
    return { median: samples[Math.floor(samples.length / 2)], output }
  }
  const inPlace = time(bare)
  const viaUrl = time(`file://${bare}`)
  const report = JSON.parse(inPlace.output)
  const total = report.reduce((sum, environment) => sum + environment.deployments, 0)
  console.log(
    `bench:dora  ${count} records, ${report.length} environments, ${total} deployments in the window`,
  )
  console.log(
    `  bare repository in place   ${inPlace.median.toFixed(0)} ms (median of ${runs}, whole CLI process)`,
  )
  console.log(
    `  file:// URL (fetch first)  ${viaUrl.median.toFixed(0)} ms (median of ${runs}, whole CLI process)`,
  )
  const limit = 2000
  if (inPlace.median > limit) {
    console.log(`bench:dora  over the ${limit} ms budget`)
    process.exitCode = 1
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
