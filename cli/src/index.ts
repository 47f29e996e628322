#!/usr/bin/env node
import module from 'node:module'
import { runningAsWorkerThread } from '../../actions/lib/worker-thread'
import { main } from './main'
import { DescriptorOutput } from './output'

// Node 22.1+ keeps the compiled code of the bundle's chunks on disk between runs (in the
// system's temporary directory), which is most of a short command's start-up; older Node
// versions have no such cache and skip this.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

// A reader that stops early (`golden-path validate | head -1`) makes later writes fail with
// EPIPE. That is not the command's failure: the rest of the output is dropped quietly and the
// exit code stays the command's own, instead of an unhandled 'error' event and its stack trace.
function quietOnEpipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
  return stream
}

if (runningAsWorkerThread()) {
  // A command that spread its work over threads started this script again as a worker.
  void import('./worker').then(({ serveWorker }) => serveWorker())
} else {
  main(process.argv.slice(2), {
    stdout: new DescriptorOutput(1, () => quietOnEpipe(process.stdout)),
    stderr: new DescriptorOutput(2, () => quietOnEpipe(process.stderr)),
    // A getter: creating process.stdin costs a few milliseconds, and only '-' reads it.
    get stdin() {
      return process.stdin
    },
    env: process.env,
    cwd: process.cwd(),
    // A getter: only commands that show progress ask.
    get stderrIsTTY() {
      return process.getBuiltinModule('node:tty').isatty(2)
    },
    entry: new URL(import.meta.url),
  }).then((code) => {
    process.exitCode = code
  })
}
