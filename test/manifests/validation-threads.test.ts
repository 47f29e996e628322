import { existsSync, symlinkSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateManifests } from '../../actions/lib/manifests/validate'
import {
  type ThreadRequest,
  threadLimit,
  type ValidationThreads,
} from '../../actions/lib/manifests/validation-threads'
import { nullLogger, spawnRunner } from '../../actions/lib/ports'
import { workerThreadArgument } from '../../actions/lib/worker-thread'
import { options, repositoryRoot, workspace } from './validate-harness'

// Workers start the bundled CLI, the script that offers threads to users; npm test builds it
// before the suites run.
const cliEntry = join(repositoryRoot, 'cli/dist/index.js')

function deployment(index: number, broken: boolean): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${index}
  labels: {app.kubernetes.io/name: app-${index}}
  annotations: {golden-path.dev/high-availability: "true"}
spec:
  replicas: ${broken ? '"two"' : 2}
  selector:
    matchLabels: {app.kubernetes.io/name: app-${index}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: app-${index}}
    spec:
      containers:
        - name: app
          image: ghcr.io/example-org/app:1.${index}.0
`
}

function budget(index: number): string {
  return `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: app-${index}}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: app-${index}}}
`
}

const files: Record<string, string | Buffer> = {
  // The budgets come first: the test's worker reads this file, the caller's thread the
  // Deployments that need them.
  'a-budgets.yaml': Array.from({ length: 20 }, (_, index) => budget(index * 2)).join('---\n'),
  'b-syntax.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n---\n${budget(99)}`,
  'c-latin1.yaml': Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9, 0x0a]),
}
for (let file = 0; file < 8; file++) {
  files[`d-apps-${file}.yaml`] = Array.from({ length: 5 }, (_, item) => {
    const index = file * 5 + item
    return deployment(index, index % 7 === 3)
  }).join('---\n')
}

let dir = ''
let cleanup = () => {}
beforeAll(() => {
  ;({ dir, cleanup } = workspace(files))
  symlinkSync(join(dir, 'missing.yaml'), join(dir, 'e-dangling.yaml'))
})
afterAll(() => cleanup())

/**
 * Threads started from the bundled CLI. The caller's thread waits (up to 10 s) until a worker
 * has claimed the first file, so that the run really is shared between threads.
 */
function threads(extra: number, started: Worker[]): ValidationThreads {
  return {
    extra,
    minBytesPerThread: 1,
    start(request: ThreadRequest) {
      const worker = new Worker(cliEntry, { argv: [workerThreadArgument], workerData: request })
      started.push(worker)
      const claims = new Int32Array(request.claims)
      const deadline = Date.now() + 10_000
      while (Atomics.load(claims, 0) === 0 && Date.now() < deadline) Atomics.wait(claims, 0, 0, 5)
      return worker
    },
  }
}

describe('validation on worker threads', () => {
  it('needs the bundled CLI', () => {
    expect(existsSync(cliEntry), "run 'node scripts/build.mjs cli' first").toBe(true)
  })

  it.each([1, 3])(
    'reports exactly what one thread reports, in file order, with %i extra thread(s)',
    async (extra) => {
      const settings = options({
        paths: [dir],
        cwd: dir,
        policy: 'golden-path',
        kustomize: [join(repositoryRoot, 'manifests/overlays/dev')],
      })
      const alone = await validateManifests(settings, { logger: nullLogger, runner: spawnRunner })
      const started: Worker[] = []
      const messages: string[] = []
      const shared = await validateManifests(settings, {
        logger: { ...nullLogger, debug: (message) => messages.push(message) },
        runner: spawnRunner,
        threads: threads(extra, started),
      })
      expect(started).toHaveLength(extra)
      expect(messages).toContain(`reading 12 files on ${extra + 1} threads`)
      expect(shared).toEqual(alone)
      // Byte for byte, key order included: the JSON output follows it.
      expect(JSON.stringify(shared)).toBe(JSON.stringify(alone))
      // What equality covers: budgets read by a worker reached the caller's checks, and the
      // per-file results merged back in order.
      const highAvailability = shared.resources.filter((resource) =>
        resource.findings.some((finding) => finding.rule === 'high-availability'),
      )
      // Odd apps have no budget; the broken ones ask for "two" replicas.
      expect(highAvailability.map((resource) => resource.name)).toEqual(
        Array.from({ length: 40 }, (_, index) => index)
          .filter((index) => index % 2 === 1 || index % 7 === 3)
          .map((index) => `app-${index}`),
      )
      expect(shared.resources[0]).toMatchObject({ file: 'a-budgets.yaml', name: 'app-0' })
      expect(shared.resources.map((resource) => resource.file)).toContain('e-dangling.yaml')
      expect(shared.inputErrors).toBe(2)
      // The overlay, read by the caller's thread after the files, comes last.
      expect(shared.resources.at(-1)?.file).toContain(join(repositoryRoot, 'manifests/'))
    },
  )

  it('stays on one thread for a small input', async () => {
    const started: Worker[] = []
    await validateManifests(options({ paths: [dir], cwd: dir }), {
      logger: nullLogger,
      runner: spawnRunner,
      threads: { ...threads(1, started), minBytesPerThread: 1024 * 1024 },
    })
    expect(started).toHaveLength(0)
  })

  it.each([
    ['', availableParallelism()],
    ['1', 1],
    [' 3 ', 3],
  ])('takes GOLDEN_PATH_THREADS=%j as %i threads', (value, threads) => {
    expect(threadLimit({ GOLDEN_PATH_THREADS: value })).toBe(threads)
  })

  it.each(['0', 'two', '-1', '1.5', '1000'])(
    'refuses GOLDEN_PATH_THREADS=%j in one line',
    (value) => {
      expect(() => threadLimit({ GOLDEN_PATH_THREADS: value })).toThrow(
        `invalid GOLDEN_PATH_THREADS '${value}': expected a whole number of threads from 1 to 999`,
      )
    },
  )

  it('fails with one line, not a hang, when a worker cannot do its share', async () => {
    const settings = options({ paths: [dir], cwd: dir })
    const broken: ValidationThreads = {
      extra: 1,
      minBytesPerThread: 1,
      start: () => new Worker('process.exit(3)', { eval: true }),
    }
    await expect(
      validateManifests(settings, { logger: nullLogger, runner: spawnRunner, threads: broken }),
    ).rejects.toThrow(/^validation thread stopped \(exit code 3\) before its results$/)
  })
})
