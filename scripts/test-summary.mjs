// Prints the suite's totals as one plain line ("tests: N passed, N failed, N skipped")
// so that any reader of the log, human or machine, finds the verdict in the same place.
// Several vitest reports (the Node 24 run of the bundle tests) add up into that one line.
import { readFileSync } from 'node:fs'

const files = process.argv.slice(2)
const totals = { passed: 0, failed: 0, skipped: 0 }
for (const file of files) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'))
    totals.passed += report.numPassedTests ?? 0
    totals.failed += report.numFailedTests ?? 0
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  } catch {
    totals.failed += 1
    console.error(`test-summary: no readable vitest report at ${file}`)
  }
}
if (files.length === 0) {
  totals.failed += 1
  console.error('test-summary: no vitest report given')
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
