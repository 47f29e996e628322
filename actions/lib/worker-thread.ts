/**
 * The argument a script gets when it is started again as a worker thread. An entry looks for it
 * before anything else: asking node:worker_threads for isMainThread would load that module
 * into every short command, about 4 ms of a 40 ms start-up.
 */
export const workerThreadArgument = '--golden-path-worker-thread'

/** True only inside a worker thread started with workerThreadArgument. */
export function runningAsWorkerThread(argv: readonly string[] = process.argv): boolean {
  return (
    argv[2] === workerThreadArgument &&
    !process.getBuiltinModule('node:worker_threads').isMainThread
  )
}
