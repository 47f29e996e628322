// npm run bench:validate — throughput of `golden-path validate` on 20,000 generated resources
// and wall time on a small 50-resource repository, side by side with kubeconform (when it is
// installed) on the same files with standalone schemas generated from the same OpenAPI spec.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, homedir, tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
const cli = join(root, 'cli/dist/index.js')
const work = mkdtempSync(join(tmpdir(), 'golden-path-bench-validate-'))
const runs = 5
// `--node PATH` runs golden-path on another Node.js binary (the actions run on Node 24).
const nodeFlag = process.argv.indexOf('--node')
const runtime = nodeFlag === -1 ? process.execPath : process.argv[nodeFlag + 1]
const runtimeVersion = spawnSync(runtime, ['--version'], { encoding: 'utf8' }).stdout?.trim()
if (!runtimeVersion) {
  console.error(`bench:validate: cannot run '${runtime}' (--node expects a Node.js binary)`)
  process.exit(2)
}

function deployment(index, invalid) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${index}
  labels:
    app.kubernetes.io/name: app-${index}
spec:
  replicas: ${invalid ? '"two"' : 2}
  selector:
    matchLabels:
      app.kubernetes.io/name: app-${index}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-${index}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: ghcr.io/example-org/app-${index}:1.${index % 10}.0
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          livenessProbe:
            httpGet: { path: /health, port: http }
          readinessProbe:
            httpGet: { path: /ready, port: http }
`
}

function service(index, invalid) {
  return `apiVersion: v1
kind: Service
metadata:
  name: app-${index}
  labels:
    app.kubernetes.io/name: app-${index}
spec:
  selector:
    app.kubernetes.io/name: app-${index}
  ports:
    - name: http
      port: 80
      targetPort: http${invalid ? '\n      protocl: TCP' : ''}
`
}

function configMap(index, invalid) {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-${index}
  labels:
    app.kubernetes.io/name: app-${index}
data:
  LOG_LEVEL: info
  PORT: "8080"${invalid ? '\n  WORKERS: 4' : ''}
`
}

function ingress(index, invalid) {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-${index}
  labels:
    app.kubernetes.io/name: app-${index}
spec:
  rules:
    - host: app-${index}.example.org
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: app-${index}
                port:
                  number: ${invalid ? '"eighty"' : 80}
`
}

const makers = [deployment, service, configMap, ingress]

/** Writes `count` resources into files of `perFile` documents; every 20th is invalid. */
function corpus(dir, count, perFile) {
  mkdirSync(dir, { recursive: true })
  let invalid = 0
  for (let file = 0; file * perFile < count; file++) {
    const documents = []
    for (let index = file * perFile; index < Math.min(count, (file + 1) * perFile); index++) {
      const bad = index % 20 === 7
      if (bad) invalid++
      // Shifting by the block spreads the invalid ones over every kind.
      documents.push(makers[(index + Math.floor(index / 20)) % makers.length](index, bad))
    }
    writeFileSync(
      join(dir, `resources-${String(file).padStart(4, '0')}.yaml`),
      documents.join('---\n'),
    )
  }
  return invalid
}

// GNU time reports the child's CPU time: on a shared machine, CPU seconds compare tools more
// fairly than wall time (a tool with more threads gets a larger share of a busy CPU).
const gnuTime =
  spawnSync('/usr/bin/time', ['-f', '%U %S', 'true'], { encoding: 'utf8' }).status === 0

function timed(command, args) {
  const start = process.hrtime.bigint()
  const result = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', command, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30 })
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (result.error) throw result.error
  const cpuLine = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr ?? '')
  const cpu = cpuLine ? Number(cpuLine[1]) + Number(cpuLine[2]) : Number.NaN
  return { seconds, cpu, stdout: result.stdout, status: result.status }
}

function best(command, args) {
  let fastest
  for (let run = 0; run < runs; run++) {
    const result = timed(command, args)
    if (!fastest || result.seconds < fastest.seconds) fastest = result
  }
  return fastest
}

if (!existsSync(cli)) {
  console.error(
    "bench:validate: cli/dist/index.js is missing; run 'node scripts/build.mjs cli' first",
  )
  process.exit(2)
}

const large = join(work, 'large')
const small = join(work, 'small')
const expectedInvalid = corpus(large, 20_000, 100)
corpus(small, 50, 5)

const kubeconform = [join(homedir(), 'go/bin/kubeconform'), 'kubeconform'].find(
  (candidate) => spawnSync(candidate, ['-v']).status === 0,
)
const schemas = join(work, 'schemas')
if (kubeconform) {
  spawnSync(
    'node',
    [join(root, 'scripts/generate-schemas.mjs'), '--standalone', schemas, '--strict'],
    {
      stdio: 'inherit',
    },
  )
}

const ours = (dir, policy) => ['--', cli, 'validate', dir, '--policy', policy, '--output', 'json']
const theirs = (dir) => [
  '-strict',
  '-n',
  '2',
  '-summary',
  '-output',
  'json',
  '-schema-location',
  join(schemas, '{{.ResourceKind}}{{.KindSuffix}}.json'),
  dir,
]

function invalidCount(stdout) {
  return JSON.parse(stdout).summary.invalid
}

console.log(
  `bench:validate: 20,000 resources (${expectedInvalid} invalid) in 200 files; small repo 50 resources in 10 files; best of ${runs} runs\n` +
    `golden-path on Node.js ${runtimeVersion}, ${availableParallelism()} cores (one validation thread per core)\n`,
)
const rows = []
for (const policy of ['none', 'golden-path']) {
  const result = best(runtime, ours(large, policy).slice(1))
  rows.push({
    tool: `golden-path validate --policy ${policy}`,
    seconds: result.seconds,
    cpu: result.cpu,
    rate: 20_000 / result.seconds,
    invalid: invalidCount(result.stdout),
  })
}
let kubeconformRate
if (kubeconform) {
  const result = best(kubeconform, theirs(large))
  kubeconformRate = 20_000 / result.seconds
  rows.push({
    tool: 'kubeconform -strict -n 2',
    seconds: result.seconds,
    cpu: result.cpu,
    rate: kubeconformRate,
    invalid: invalidCount(result.stdout),
  })
}
console.log('large set (20,000 resources)')
for (const row of rows) {
  console.log(
    `  ${row.tool.padEnd(42)} ${row.seconds.toFixed(3)} s wall ${Math.round(row.rate).toLocaleString('en-US').padStart(7)} resources/s | ${row.cpu.toFixed(2)} CPU-s ${Math.round(
      20_000 / row.cpu,
    )
      .toLocaleString('en-US')
      .padStart(7)} resources/CPU-s | invalid=${row.invalid}`,
  )
}
if (kubeconformRate) {
  console.log(
    `  throughput ratio (golden-path --policy none / kubeconform): ${(rows[0].rate / kubeconformRate).toFixed(2)}x wall, ${(rows[rows.length - 1].cpu / rows[0].cpu).toFixed(2)}x per CPU-second`,
  )
}

console.log('\nsmall repository (50 resources), wall time from process start to exit')
const smallOurs = best(runtime, ours(small, 'golden-path').slice(1))
console.log(
  `  ${'golden-path validate --policy golden-path'.padEnd(40)} ${(smallOurs.seconds * 1000).toFixed(1)} ms`,
)
const smallNone = best(runtime, ours(small, 'none').slice(1))
console.log(
  `  ${'golden-path validate --policy none'.padEnd(40)} ${(smallNone.seconds * 1000).toFixed(1)} ms`,
)
// The CLI bundle carries every golden-path command; the action bundle holds only the validator,
// which shows what validation itself adds to the runtime's start-up.
const actionBundle = join(root, 'actions/validate-manifests/dist/index.js')
if (existsSync(actionBundle)) {
  writeFileSync(join(work, 'summary.md'), '')
  const env = {
    ...process.env,
    GITHUB_WORKSPACE: work,
    GITHUB_OUTPUT: join(work, 'outputs'),
    GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
    INPUT_PATHS: small,
    INPUT_POLICY: 'none',
  }
  let fastest = Number.POSITIVE_INFINITY
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint()
    spawnSync(runtime, [actionBundle], { env, encoding: 'utf8' })
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 1e9)
  }
  console.log(
    `  ${'validate-manifests action bundle, --policy none'.padEnd(40)} ${(fastest * 1000).toFixed(1)} ms`,
  )
}
const nodeOnly = best(runtime, ['-e', '0'])
console.log(
  `  ${'node -e 0 (runtime start-up alone)'.padEnd(40)} ${(nodeOnly.seconds * 1000).toFixed(1)} ms`,
)
if (kubeconform) {
  const smallTheirs = best(kubeconform, theirs(small))
  console.log(
    `  ${'kubeconform -strict -n 2'.padEnd(40)} ${(smallTheirs.seconds * 1000).toFixed(1)} ms`,
  )
  console.log(
    `  wall-time ratio (golden-path --policy none / kubeconform): ${(smallNone.seconds / smallTheirs.seconds).toFixed(2)}x`,
  )
} else {
  console.log(
    '  kubeconform not installed (go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0): no comparison',
  )
}
// `--keep` leaves the corpus in place for profiling.
if (process.argv.includes('--keep')) console.log(`\ncorpus kept in ${work}`)
else rmSync(work, { recursive: true, force: true })
