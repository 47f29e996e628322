// Benchmark of the gitops-diff action (what gitops-checks.yml runs on a GitOps pull
// request): a repository of N services x dev/stage/prod overlays on a shared base per
// service, and a pull request that re-pins the stage digest of every service and
// changes one service's base: N + 2 overlays are touched, and only they are rendered
// (at base and head: 2 x (N + 2) `kubectl kustomize` runs; the other overlays' files
// did not change). The figure is the action's wall time and peak memory.
// Usage: npm run bench:gitops-diff [-- --services 10 --runs 3]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const action = join(root, 'actions/gitops-diff/dist/index.js')
const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
  },
})
const services = Number(values.services)
const runs = Number(values.runs)
if (
  !Number.isInteger(services) ||
  services < 1 ||
  services > 500 ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  runs > 20
) {
  console.error('bench:gitops-diff: --services 1..500 and --runs 1..20')
  process.exit(2)
}
if (!existsSync(action)) {
  execFileSync('node', [join(root, 'scripts/build.mjs'), 'gitops-diff'], { stdio: 'inherit' })
}
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
}
const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-gitops-diff-'))
const repo = join(work, 'gitops')
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim()
const write = (path, text) => {
  mkdirSync(join(repo, path, '..'), { recursive: true })
  writeFileSync(join(repo, path), text)
}
const digest = (hex) => `sha256:${hex.repeat(32)}`

function layout(stageDigest, replicas) {
  for (let index = 0; index < services; index++) {
    const name = `svc-${String(index).padStart(3, '0')}`
    write(`${name}/base/kustomization.yaml`, 'resources:\n  - deployment.yaml\n')
    write(
      `${name}/base/deployment.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${index === 0 ? replicas : 1}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: ${name}\n          image: ghcr.io/acme/${name}\n`,
    )
    for (const environment of ['dev', 'stage', 'prod']) {
      write(
        `${name}/overlays/${environment}/kustomization.yaml`,
        `namespace: ${name}-${environment}\nresources:\n  - ../../base\nimages:\n  - name: ghcr.io/acme/${name}\n    digest: ${environment === 'stage' ? stageDigest : digest('a1')}\n`,
      )
    }
  }
}

try {
  mkdirSync(repo)
  git('init', '-q', '-b', 'main')
  layout(digest('a1'), 1)
  git('add', '-A')
  git('commit', '-qm', 'base')
  const base = git('rev-parse', 'HEAD')
  layout(digest('b2'), 3)
  git('commit', '-qam', 'head')
  const figures = []
  for (let run = 0; run < runs; run++) {
    const output = join(work, 'output')
    const summary = join(work, 'summary.md')
    writeFileSync(output, '')
    writeFileSync(summary, '')
    const started = process.hrtime.bigint()
    const result = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, action], {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...env,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        INPUT_BASE: base,
        INPUT_HEAD: 'HEAD',
        INPUT_PATH: '.',
        INPUT_ENVIRONMENTS: 'dev,stage,prod',
        'INPUT_NOTES-REF': 'refs/notes/golden-path',
      },
    })
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    if (result.status !== 0) {
      console.error(result.stdout + result.stderr)
      process.exit(1)
    }
    const peakKiB = Number(result.stderr.trim().split('\n').pop())
    figures.push({ seconds, peakMiB: peakKiB / 1024 })
  }
  const best = Math.min(...figures.map((figure) => figure.seconds))
  const median = figures.map((figure) => figure.seconds).sort((a, b) => a - b)[Math.floor(runs / 2)]
  const peak = Math.max(...figures.map((figure) => figure.peakMiB))
  console.log(
    `bench:gitops-diff: ${services * 3} overlays (${services} services x dev/stage/prod), ${services + 2} touched, ${2 * (services + 2)} renders`,
  )
  console.log(
    `  wall time: best ${best.toFixed(2)} s, median ${median.toFixed(2)} s over ${runs} run(s); peak RSS ${peak.toFixed(0)} MiB`,
  )
  console.log(
    `  machine: ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at the end`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
