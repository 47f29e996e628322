// Benchmark of `golden-path bump` against a local bare repository holding a
// GitOps layout of 1,000 app directories: one bump + commit + push, then 20
// concurrent bumps of 20 different apps to the same branch (all must land).
// Usage: npm run bench:bump [-- --apps 1000 --concurrent 20]
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'cli/dist/index.js')
const { values } = parseArgs({
  options: {
    apps: { type: 'string', default: '1000' },
    concurrent: { type: 'string', default: '20' },
  },
})
const appCount = Number(values.apps)
const concurrent = Number(values.concurrent)
const image = 'ghcr.io/example-org/golden-path-reference-service'

const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
}
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' })

if (!existsSync(cli)) {
  console.log('bench: building the CLI first')
  execFileSync('node', [join(root, 'scripts/build.mjs'), 'cli'], { stdio: 'inherit' })
}

const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-bump-'))
const bare = join(work, 'gitops.git')
const seed = join(work, 'seed')
const app = (index) => `app-${String(index).padStart(4, '0')}`

function kustomization(name) {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# ${name}: dev overlay
namespace: ${name}
resources:
  - deployment.yaml
images:
  - name: golden-path-reference-service
    newName: ${image}
    newTag: "0.1.0" # written by golden-path
`
}

function deployment(name) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: golden-path-reference-service
          ports: [{name: http, containerPort: 8080}]
`
}

function runBump(appName) {
  return new Promise((resolve) => {
    const started = performance.now()
    const child = spawn(
      'node',
      [
        cli,
        'bump',
        '--image',
        image,
        '--tag',
        '0.2.0',
        '--repo',
        bare,
        '--branch',
        'main',
        '--dir',
        `apps/${appName}`,
        '--push',
        '--environment',
        appName,
        '--max-attempts',
        '40',
        '--output',
        'json',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => {
      const elapsed = performance.now() - started
      let result
      try {
        result = JSON.parse(stdout)
      } catch {
        result = undefined
      }
      resolve({ appName, code, elapsed, result, stderr: stderr.trim() })
    })
  })
}

// CPU seconds (user + system) of every child process reaped so far, from
// /proc/self/stat (cutime, cstime in clock ticks of 1/100 s): on a shared machine
// this says what the bumps cost, whatever the other load did to wall time.
function childCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return Number.NaN
  }
}

function landed(appName) {
  return git(work, '--git-dir', bare, 'show', `main:apps/${appName}/kustomization.yaml`).includes(
    'newTag: "0.2.0"',
  )
}

try {
  let started = performance.now()
  git(work, 'init', '--quiet', '--bare', '--initial-branch=main', bare)
  git(work, 'init', '--quiet', '--initial-branch=main', seed)
  for (let index = 0; index < appCount; index++) {
    const dir = join(seed, 'apps', app(index))
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'kustomization.yaml'), kustomization(app(index)))
    writeFileSync(join(dir, 'deployment.yaml'), deployment(app(index)))
  }
  git(seed, 'add', '--all')
  git(seed, 'commit', '--quiet', '-m', `${appCount} apps`)
  git(seed, 'push', '--quiet', bare, 'HEAD:refs/heads/main')
  console.log(
    `bench: GitOps repository with ${appCount} app directories (${appCount * 2} files) built in ${Math.round(performance.now() - started)} ms`,
  )

  console.log(
    `bench: load average before the runs ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores`,
  )
  let cpuBefore = childCpuSeconds()
  const single = await runBump(app(7))
  if (single.code !== 0 || !landed(app(7))) throw new Error(`single bump failed: ${single.stderr}`)
  console.log(
    `bench: single bump + commit + push: ${Math.round(single.elapsed)} ms (target <= 1000 ms), attempts ${single.result.attempts}`,
  )
  console.log(
    `bench: single bump used ${(childCpuSeconds() - cpuBefore).toFixed(2)} CPU seconds (node + git, user + system)`,
  )

  const singles = []
  for (let index = 0; index < 5; index++) singles.push((await runBump(app(900 + index))).elapsed)
  singles.sort((a, b) => a - b)
  console.log(
    `bench: 5 more single bumps: median ${Math.round(singles[2])} ms, min ${Math.round(singles[0])} ms, max ${Math.round(singles[4])} ms`,
  )

  const tipBefore = git(work, '--git-dir', bare, 'rev-parse', 'main').trim()
  const names = Array.from({ length: concurrent }, (_, index) => app(100 + index * 37))
  cpuBefore = childCpuSeconds()
  started = performance.now()
  const results = await Promise.all(names.map((name) => runBump(name)))
  const total = performance.now() - started
  const failed = results.filter((result) => result.code !== 0)
  const lost = names.filter((name) => !landed(name))
  const commits = git(work, '--git-dir', bare, 'rev-list', '--count', `${tipBefore}..main`).trim()
  const attempts = results.map((result) => result.result?.attempts ?? 0)
  console.log(
    `bench: ${concurrent} concurrent bumps of ${concurrent} apps to one branch: ${Math.round(total)} ms total (target <= 10000 ms), ` +
      `${concurrent - lost.length} landed, ${lost.length} lost, ${commits} new commits, ` +
      `attempts min ${Math.min(...attempts)} / max ${Math.max(...attempts)} / sum ${attempts.reduce((a, b) => a + b, 0)}, ` +
      `slowest process ${Math.round(Math.max(...results.map((result) => result.elapsed)))} ms`,
  )
  console.log(
    `bench: the ${concurrent} concurrent bumps used ${(childCpuSeconds() - cpuBefore).toFixed(2)} CPU seconds; load average after ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  )
  for (const result of failed)
    console.log(`bench: ${result.appName} failed (exit ${result.code}): ${result.stderr}`)
  if (lost.length > 0 || failed.length > 0) process.exitCode = 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
