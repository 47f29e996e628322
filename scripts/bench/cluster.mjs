// Benchmark: the local control plane (golden-path cluster up). Reports the cold build
// (when nothing is cached; else the recorded build times), a warm `cluster up`, the
// latency from a pushed GitOps commit to `golden-path verify` passing (with a refresh,
// followed by the watch stream and by polling), how soon verify fails on a commit Argo CD
// refuses (a kind the AppProject does not admit, retried by the automated sync), and the
// resident memory of the set.
//
//   npm run bench:cluster [-- --runs 3]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const root = new URL('../..', import.meta.url).pathname
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } })
const runs = Math.max(1, Math.min(20, Number(values.runs)))
const cli = join(root, 'cli/dist/index.js')
const buildScript = join(root, 'scripts/control-plane/build.sh')

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options })
  if (result.status !== 0 && !options.allowFailure) {
    console.error(
      `bench:cluster: ${command} ${args.slice(0, 3).join(' ')} failed: ${(result.stderr || '').trim().split('\n').pop()}`,
    )
    process.exit(1)
  }
  return result
}

const seconds = (ms) => (ms / 1000).toFixed(1)
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

if (!existsSync(cli)) run('node', ['scripts/build.mjs', 'cli'], { cwd: root, stdio: 'inherit' })

// Cold build, or what the cache recorded when it was built.
const buildDir = run('bash', [buildScript, '--print-dir']).stdout.trim()
if (!existsSync(join(buildDir, '.complete'))) {
  const started = performance.now()
  run('bash', [buildScript], { stdio: ['ignore', 'ignore', 'inherit'] })
  console.log(`cold build: ${seconds(performance.now() - started)} s`)
} else {
  console.log('cold build: cached; build times recorded when it was built:')
}
const times = existsSync(join(buildDir, 'build-times.tsv'))
  ? readFileSync(join(buildDir, 'build-times.tsv'), 'utf8').trim().split('\n')
  : []
for (const line of times) {
  const [name, secs] = line.split('\t')
  console.log(`  ${name.padEnd(26)} ${secs} s`)
}

const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-cluster-'))
const stateDir = join(work, 'cluster')
try {
  const upStarted = performance.now()
  const up = JSON.parse(
    run('node', [cli, 'cluster', 'up', '--state-dir', stateDir, '--output', 'json']).stdout,
  )
  console.log(
    `warm up: ${seconds(performance.now() - upStarted)} s (${Object.entries(up.startSeconds)
      .map(([n, s]) => `${n} ${s}`)
      .join(', ')})`,
  )

  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
  }
  const bare = join(work, 'gitops.git')
  const clone = join(work, 'gitops')
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare], { env })
  execFileSync('git', ['clone', '-q', bare, clone], { env, stdio: 'ignore' })
  const deployment = (tag) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench
spec:
  replicas: 1
  selector:
    matchLabels: {app: bench}
  template:
    metadata:
      labels: {app: bench}
    spec:
      containers:
        - name: app
          image: registry.example/bench:${tag}
`
  const push = (tag) => {
    writeFileSync(join(clone, 'deployment.yaml'), deployment(tag))
    execFileSync('git', ['add', '-A'], { cwd: clone, env })
    execFileSync('git', ['commit', '-q', '-m', `bench ${tag}`], { cwd: clone, env })
    execFileSync('git', ['push', '-q', 'origin', 'main'], { cwd: clone, env, stdio: 'ignore' })
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: clone, env, encoding: 'utf8' }).trim()
  }
  let revision = push('0')
  const application = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'bench', namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: `file://${bare}`, targetRevision: 'main', path: '.' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'bench' },
      syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
    },
  }
  run('kubectl', ['--kubeconfig', up.kubeconfig, 'apply', '-f', '-'], {
    input: JSON.stringify(application),
  })
  const verify = (rev, watch, timeout = '120') =>
    spawnSync(
      'node',
      [
        cli,
        'verify',
        '--server',
        up.argocd.server,
        '--app',
        'bench',
        '--revision',
        rev,
        '--refresh',
        'normal',
        '--watch',
        watch,
        '--poll-interval',
        '1',
        '--timeout',
        timeout,
        '--output',
        'json',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, ARGOCD_AUTH_TOKEN: up.argocd.token },
      },
    )
  // The first sync (namespace creation) is not what a delivery waits for.
  verify(revision, 'ndjson')
  let tag = 1
  for (const watch of ['ndjson', 'poll']) {
    const latencies = []
    for (let i = 0; i < runs; i++) {
      const started = performance.now()
      revision = push(String(tag++))
      const result = verify(revision, watch)
      const elapsed = performance.now() - started
      const outcome = JSON.parse(result.stdout || '{}').outcome
      if (outcome !== 'verified') console.log(`  ${watch} run ${i + 1}: ${outcome}`)
      latencies.push(elapsed)
    }
    console.log(
      `commit -> verified (${watch === 'ndjson' ? 'refresh + watch stream' : 'refresh + polling 1 s'}): median ${seconds(median(latencies))} s, max ${seconds(Math.max(...latencies))} s over ${runs} runs`,
    )
  }

  // A commit that adds a kind the app's project does not admit: Argo CD refuses it and the
  // automated sync retries with backoff; verify should say so at once, not at --timeout (60 s).
  run('kubectl', ['--kubeconfig', up.kubeconfig, 'apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'AppProject',
          metadata: { name: 'bench-deployments-only', namespace: 'argocd' },
          spec: {
            sourceRepos: ['*'],
            destinations: [{ server: '*', namespace: 'bench' }],
            namespaceResourceWhitelist: [
              { group: 'apps', kind: 'Deployment' },
              { group: 'apps', kind: 'ReplicaSet' },
              { group: '', kind: 'Pod' },
            ],
          },
        },
        {
          ...application,
          spec: {
            ...application.spec,
            project: 'bench-deployments-only',
            syncPolicy: {
              ...application.spec.syncPolicy,
              retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
            },
          },
        },
      ],
    }),
  })
  const refusedLatencies = []
  for (let i = 0; i < runs; i++) {
    writeFileSync(
      join(clone, 'configmap.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: refused\ndata:\n  run: "${i}"\n`,
    )
    const started = performance.now()
    revision = push(String(tag++))
    const result = verify(revision, 'ndjson', '60')
    refusedLatencies.push(performance.now() - started)
    const outcome = JSON.parse(result.stdout || '{}').outcome
    if (outcome !== 'operation-failed') console.log(`  refused run ${i + 1}: ${outcome}`)
    // End the retries (the gateway wants a JSON content type even here), so that the next
    // commit gets its own sync at once instead of waiting out this one's backoff.
    const headers = { authorization: `Bearer ${up.argocd.token}` }
    await fetch(`${up.argocd.server}/api/v1/applications/bench/operation`, {
      method: 'DELETE',
      headers: { ...headers, 'content-type': 'application/json' },
    })
    for (let wait = 0; wait < 60; wait++) {
      const app = await (
        await fetch(`${up.argocd.server}/api/v1/applications/bench`, { headers })
      ).json()
      if (!app.operation && app.status?.operationState?.phase !== 'Running') break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  console.log(
    `commit refused by the AppProject -> verify failed: median ${seconds(median(refusedLatencies))} s, max ${seconds(Math.max(...refusedLatencies))} s over ${runs} runs (--timeout 60; each: ${refusedLatencies.map(seconds).join(', ')} s)`,
  )

  const status = JSON.parse(
    run('node', [cli, 'cluster', 'status', '--state-dir', stateDir, '--output', 'json']).stdout,
  )
  let total = 0
  const parts = []
  for (const component of status.components) {
    const rss =
      Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${component.pid}/status`, 'utf8'))?.[1] ?? 0,
      ) / 1024
    total += rss
    parts.push(`${component.name} ${rss.toFixed(0)}`)
  }
  console.log(`RSS: ${(total / 1024).toFixed(2)} GiB in all (MiB: ${parts.join(', ')})`)
} finally {
  run('node', [cli, 'cluster', 'down', '--state-dir', stateDir], { allowFailure: true })
  rmSync(work, { recursive: true, force: true })
}
