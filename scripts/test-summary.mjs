// Prints the suite's totals as one plain line ("tests: N passed, N failed, N skipped")
// so that any reader of the log, human or machine, finds the verdict in the same place.
import { readFileSync } from 'node:fs'

const file = process.argv[2]
try {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  console.log(
    `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
  )
} catch {
  console.log('tests: 0 passed, 1 failed')
  console.error(`test-summary: no readable vitest report at ${file}`)
}
