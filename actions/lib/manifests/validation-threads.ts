import { statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { UsageError } from '../errors'
import { workerThreadArgument } from '../worker-thread'
import type { DisruptionBudget } from './policy-evaluation'
import type { Finding, ResourceResult, ResourceStatus } from './report'
import { type FileSlice, type PassSettings, preparePass, ValidationPass } from './validation-pass'

/**
 * The port through which validation spreads a large input over worker threads. Only an entry
 * that can be started as a worker (a bundled action or the CLI) can offer it; without it, a run
 * stays on the caller's thread.
 */
export interface ValidationThreads {
  /** Threads that may run beside the caller's. */
  extra: number
  /**
   * Input below this many bytes per thread stays on fewer threads: starting a thread and loading
   * the schemas into it costs about as much as reading half a megabyte of manifests.
   */
  minBytesPerThread: number
  /** Starts a worker, with workerThreadArgument in its argv, that calls serveValidationThread(). */
  start(request: ThreadRequest): Worker
}

/** What a worker receives: the run's settings, every input file, and the shared claim counter. */
export interface ThreadRequest {
  role: 'golden-path-validate'
  settings: PassSettings
  files: string[]
  /** One Int32: the index of the next file nobody has claimed. */
  claims: SharedArrayBuffer
}

type ThreadMessage =
  | { type: 'budgets'; budgets: DisruptionBudget[] }
  | { type: 'results'; results: PackedResults; slices: FileSlice[]; inputErrors: number }
  | { type: 'failed'; message: string }

const statuses: readonly ResourceStatus[] = ['valid', 'invalid', 'error', 'skipped', 'suppressed']
const fieldsPerResult = 7

/**
 * Results in a form that crosses threads cheaply: each repeated string (file, apiVersion, kind,
 * namespace) once, the numbers in one transferred array, findings only where there are any.
 * Cloning ten thousand small objects kept the caller's thread busy for 25-45 ms after every
 * thread had finished reading; handing them over this way takes 15-30 ms.
 */
interface PackedResults {
  strings: string[]
  /** Per result: file, line, column, apiVersion, kind, namespace (string indexes), status. */
  fields: Int32Array
  names: string[]
  findings: [number, Finding[]][]
}

function packResults(results: readonly ResourceResult[]): PackedResults {
  const strings: string[] = []
  const indexes = new Map<string, number>()
  const indexOf = (value: string) => {
    let index = indexes.get(value)
    if (index === undefined) {
      index = strings.length
      strings.push(value)
      indexes.set(value, index)
    }
    return index
  }
  const fields = new Int32Array(results.length * fieldsPerResult)
  const names: string[] = []
  const findings: [number, Finding[]][] = []
  results.forEach((result, index) => {
    const at = index * fieldsPerResult
    fields[at] = indexOf(result.file)
    fields[at + 1] = result.line
    fields[at + 2] = result.column
    fields[at + 3] = indexOf(result.apiVersion)
    fields[at + 4] = indexOf(result.kind)
    fields[at + 5] = indexOf(result.namespace)
    fields[at + 6] = statuses.indexOf(result.status)
    names.push(result.name)
    if (result.findings.length > 0) findings.push([index, result.findings])
  })
  return { strings, fields, names, findings }
}

function unpackResults({ strings, fields, names, findings }: PackedResults): ResourceResult[] {
  const results: ResourceResult[] = []
  for (let index = 0; index < names.length; index++) {
    const at = index * fieldsPerResult
    // Built with the same key order as a thread's own results: the JSON output follows it.
    results.push({
      file: strings[fields[at]],
      line: fields[at + 1],
      column: fields[at + 2],
      apiVersion: strings[fields[at + 3]],
      kind: strings[fields[at + 4]],
      name: names[index],
      namespace: strings[fields[at + 5]],
      status: statuses[fields[at + 6]],
      findings: [],
    })
  }
  for (const [index, list] of findings) results[index].findings = list
  return results
}

/** The worker threads of a run, as the caller's thread sees them. */
export interface ThreadedFiles {
  /** Threads reading the files, the caller's included. */
  threads: number
  /** Reads files on the caller's thread until every file is claimed. */
  readClaimed(pass: ValidationPass): void
  /** Sends every thread the run's budgets once all have read their files; returns them. */
  shareBudgets(own: readonly DisruptionBudget[]): Promise<DisruptionBudget[]>
  /** The results of every file, in the order of the file list, once all threads have checked. */
  collect(own: ValidationPass): Promise<{ results: ResourceResult[]; inputErrors: number }>
  /** Stops the workers (after a failure; finished workers exit by themselves). */
  stop(): void
}

export function isThreadRequest(data: unknown): data is ThreadRequest {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { role?: unknown }).role === 'golden-path-validate'
  )
}

/**
 * How many threads validation may use: GOLDEN_PATH_THREADS when set (1 keeps everything on one
 * thread, for a machine whose other cores are busy), otherwise one per core.
 */
export function threadLimit(env: NodeJS.ProcessEnv): number {
  const value = env.GOLDEN_PATH_THREADS?.trim()
  if (value === undefined || value === '') return availableParallelism()
  if (!/^[1-9][0-9]{0,2}$/.test(value)) {
    throw new UsageError(
      `invalid GOLDEN_PATH_THREADS '${value}': expected a whole number of threads from 1 to 999`,
    )
  }
  return Number(value)
}

/**
 * The threads an entry script offers: itself, started again as a worker, up to threadLimit().
 * The script must call serveValidationThread() when it runs as a worker.
 */
export function validationThreadsFrom(entry: URL, env: NodeJS.ProcessEnv): ValidationThreads {
  return {
    extra: threadLimit(env) - 1,
    minBytesPerThread: 1024 * 1024,
    start: (request) =>
      // Loaded here rather than imported: a run below the threshold never needs it.
      new (process.getBuiltinModule('node:worker_threads').Worker)(entry, {
        argv: [workerThreadArgument],
        workerData: request,
        // Reading manifests makes many short-lived objects; a larger young generation
        // collects them in fewer scavenges.
        resourceLimits: { maxYoungGenerationSizeMb: 64 },
        stdout: false,
        stderr: false,
      }),
  }
}

function claimNext(claims: Int32Array): number {
  return Atomics.add(claims, 0, 1)
}

function readClaimedFiles(pass: ValidationPass, files: readonly string[], claims: Int32Array) {
  for (let index = claimNext(claims); index < files.length; index = claimNext(claims)) {
    pass.addFile(files[index], index)
  }
}

/**
 * Starts worker threads for `files` when they are large enough to be worth it; undefined means
 * the caller reads them alone. Files are claimed one at a time from a shared counter, so a
 * thread that starts late or gets slow files simply reads fewer.
 */
export function startThreads(
  threads: ValidationThreads,
  settings: PassSettings,
  files: string[],
): ThreadedFiles | undefined {
  let bytes = 0
  for (const file of files) {
    try {
      bytes += statSync(file).size
    } catch {}
  }
  const count = Math.min(
    threads.extra,
    files.length - 1,
    Math.floor(bytes / threads.minBytesPerThread) - 1,
  )
  if (count < 1) return undefined
  const claims = new SharedArrayBuffer(4)
  const counter = new Int32Array(claims)
  const request: ThreadRequest = { role: 'golden-path-validate', settings, files, claims }
  const workers = Array.from({ length: count }, () => threads.start(request))
  const budgets: DisruptionBudget[][] = []
  const outcomes: Extract<ThreadMessage, { type: 'results' }>[] = []
  let failure: Error | undefined
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const waiter of waiters) waiter()
  }
  for (const worker of workers) {
    let delivered = false
    worker.on('message', (message: ThreadMessage) => {
      if (message.type === 'budgets') budgets.push(message.budgets)
      else if (message.type === 'results') {
        delivered = true
        outcomes.push(message)
      } else failure ??= new Error(`validation thread failed: ${message.message}`)
      wake()
    })
    worker.on('error', (error) => {
      failure ??= new Error(`validation thread failed: ${error.message}`)
      wake()
    })
    worker.on('exit', (code) => {
      if (!delivered) {
        failure ??= new Error(`validation thread stopped (exit code ${code}) before its results`)
      }
      wake()
    })
  }
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (failure) {
          waiters.delete(check)
          reject(failure)
        } else if (ready()) {
          waiters.delete(check)
          resolve()
        }
      }
      waiters.add(check)
      check()
    })
  return {
    threads: count + 1,
    readClaimed(pass) {
      readClaimedFiles(pass, files, counter)
    },
    async shareBudgets(own) {
      await until(() => budgets.length === workers.length)
      const all = [...own, ...budgets.flat()]
      for (const worker of workers) worker.postMessage(all)
      return all
    },
    async collect(own) {
      await until(() => outcomes.length === workers.length)
      const slices: { slice: FileSlice; results: ResourceResult[] }[] = []
      let inputErrors = own.inputErrors
      for (const slice of own.fileSlices) slices.push({ slice, results: own.results })
      for (const outcome of outcomes) {
        inputErrors += outcome.inputErrors
        const results = unpackResults(outcome.results)
        for (const slice of outcome.slices) slices.push({ slice, results })
      }
      slices.sort((a, b) => a.slice.file - b.slice.file)
      const results: ResourceResult[] = []
      for (const { slice, results: from } of slices) {
        for (let index = slice.start; index < slice.end; index++) results.push(from[index])
      }
      // Whatever the caller's thread added after the files (rendered overlays) comes last.
      const filesEnd = own.fileSlices.at(-1)?.end ?? 0
      for (let index = filesEnd; index < own.results.length; index++) {
        results.push(own.results[index])
      }
      return { results, inputErrors }
    },
    stop() {
      for (const worker of workers) void worker.terminate()
    },
  }
}

/** The worker side: reads claimed files, shares its budgets, checks, and returns its results. */
export async function serveValidationThread(): Promise<void> {
  const { parentPort: port, workerData } = process.getBuiltinModule('node:worker_threads')
  if (!port || !isThreadRequest(workerData)) return
  const request = workerData
  try {
    const pass = new ValidationPass(await preparePass(request.settings))
    readClaimedFiles(pass, request.files, new Int32Array(request.claims))
    const allBudgets = new Promise<DisruptionBudget[]>((resolve) => port.once('message', resolve))
    port.postMessage({ type: 'budgets', budgets: pass.budgets } satisfies ThreadMessage)
    pass.check(await allBudgets)
    const results = packResults(pass.results)
    port.postMessage(
      {
        type: 'results',
        results,
        slices: pass.fileSlices,
        inputErrors: pass.inputErrors,
      } satisfies ThreadMessage,
      [results.fields.buffer as ArrayBuffer],
    )
  } catch (error) {
    port.postMessage({
      type: 'failed',
      message: error instanceof Error ? error.message : String(error),
    } satisfies ThreadMessage)
  }
}
