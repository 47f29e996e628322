#!/usr/bin/env node
import module from 'node:module'
import { isMainThread } from 'node:worker_threads'
import { main } from './main'

// Node 22.1+ keeps the compiled code of the bundle's chunks on disk between runs (in the
// system's temporary directory), which is most of a short command's start-up; older Node
// versions have no such cache and skip this.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

// A reader that stops early (`golden-path validate | head -1`) makes later writes fail with
// EPIPE. That is not the command's failure: the rest of the output is dropped quietly and the
// exit code stays the command's own, instead of an unhandled 'error' event and its stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

if (isMainThread) {
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    entry: new URL(import.meta.url),
  }).then((code) => {
    process.exitCode = code
  })
} else {
  // A command that spread its work over threads started this script again as a worker.
  void import('./worker').then(({ serveWorker }) => serveWorker())
}
